document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-airflow]");
  if (!link || window.top === window) return;
  try {
    var top = window.top, state = top.history.state || {};
    if (top.location.origin !== window.location.origin) return;
    event.preventDefault();
    top.history.pushState({usr: null, key: Math.random().toString(36).slice(2, 10), idx: (state.idx || 0) + 1},
                          "", link.href);
    top.dispatchEvent(new PopStateEvent("popstate", {state: top.history.state}));
  } catch (error) { /* another origin: the frame follows the link itself */ }
});
