#!/usr/bin/env bash
# Debian's chromium for the browser tests (tests/live/test_browser.py); `make test` runs this before the tests.
# Nothing to do when /usr/bin/chromium exists. Playwright's own browser download is not used.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [[ -x "$CHROMIUM" ]]; then
    exit 0
fi

install_chromium() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
}

echo "[browser] installing chromium from Debian's packages"
# Refresh the package lists only if they do not know chromium yet, or if they are stale (the install fails).
if ! apt-cache show chromium > /dev/null 2>&1; then
    apt-get update -qq
    install_chromium
elif ! install_chromium; then
    apt-get update -qq
    install_chromium
fi
test -x "$CHROMIUM"
echo "[browser] $(dpkg-query -W -f '${Package} ${Version}' chromium) installed"
