"""The rule of tests/conftest.py: every test module carries exactly one layer marker, or the run fails."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import LAYERS, REPO, unmarked_modules

pytestmark = pytest.mark.unit


@dataclass
class FakeItem:
    """What unmarked_modules reads of a collected test: its file and its markers."""

    path: Path
    marks: tuple[str, ...]

    def iter_markers(self):
        return iter(pytest.Mark(name, (), {}) for name in self.marks)


def test_a_module_without_a_layer_marker_is_named() -> None:
    """A test with no layer marker, or with two, names its module; a marked one does not."""
    items = [
        FakeItem(REPO / "tests/unit/a.py", ("unit",)),
        FakeItem(REPO / "tests/unit/b.py", ("parametrize",)),
        FakeItem(REPO / "tests/unit/c.py", ("unit", "live")),
        FakeItem(REPO / "tests/integration/d.py", ("integration", "community")),
    ]
    assert unmarked_modules(items) == ["tests/unit/b.py", "tests/unit/c.py"]


def test_this_session_has_every_module_marked(request: pytest.FixtureRequest) -> None:
    """The hook ran on this very session (it would have stopped it): this test has its layer."""
    assert [m.name for m in request.node.iter_markers() if m.name in LAYERS] == ["unit"]
