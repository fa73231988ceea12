"""Fixtures shared by the unit tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """Run with the common 022 umask, as a worker would (modules that check file modes use it)."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)
