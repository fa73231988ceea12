"""File helpers shared by the tests."""

from __future__ import annotations

import stat
from pathlib import Path


def mode(path: Path) -> int:
    """Permission bits of a path."""
    return stat.S_IMODE(path.stat().st_mode)
