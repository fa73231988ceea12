"""Helpers shared by the unit tests of copy/."""

from __future__ import annotations

from timescale_migration.copy.parallel_plan import BulkTable
from timescale_migration.tools.clienttools import ClientTools

TOOLS = ClientTools(bin_dir="/opt/pg/bin", major=17, version="17.12")
MB = 1024 * 1024


def big(name: str, mb: int, builtin: bool = True) -> BulkTable:
    """A table of `mb` MB and 128 blocks per MB."""
    return BulkTable("public", name, mb * MB, ("id",), builtin, mb * 128)
