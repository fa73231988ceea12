"""The HTML pages' one Jinja2 environment: the templates in templates/ (the Migrations page's, verification.html's
and the rehearsals' report.html), one stylesheet they all embed, autoescaping of every value, and the formatting
filters they share."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).with_name("templates")
DASH = "—"


def dash(value: Any, mark: str = DASH) -> Any:
    """The value, or a dash for None."""
    return mark if value is None else value


def seconds(value: float | None, mark: str = DASH, *, hours: bool = True) -> str:
    """Seconds as '12.3 s', '4 min 05 s' or (`hours`) '1 h 02 min'."""
    if value is None:
        return mark
    minutes, rest = divmod(round(value), 60)
    if hours and minutes >= 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes} min {rest:02d} s" if minutes else f"{value:.1f} s"


def megabytes(value: int | None, mark: str = DASH) -> str:
    """Bytes as '12.3 MB'."""
    return mark if value is None else f"{value / 1_048_576:,.1f} MB"


def when(value: datetime | str | None) -> str:
    """A UTC timestamp to the second."""
    if value is None:
        return DASH
    if isinstance(value, str):
        return value.replace("T", " ")[:19]
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def count(value: Any) -> Any:
    """An integer with thousands separators; anything else as it is (None: a dash)."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else dash(value)


@cache
def environment() -> jinja2.Environment:
    """The environment: templates/ loaded, .html and .svg autoescaped, undefined names an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(("html", "svg")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(dash=dash, seconds=seconds, megabytes=megabytes, when=when, count=count)
    return env


def render(name: str, **context: Any) -> str:
    """One template rendered with `context`."""
    return environment().get_template(name).render(**context)
