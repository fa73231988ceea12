"""The drain's block record: with `drain`, drain_source keeps a record of what it revoked on the source server;
what would stop it then is refused now, before the gate."""

from __future__ import annotations

from timescale_migration.checks.findings import Finding
from timescale_migration.checks.preflight import Preflight, check
from timescale_migration.db import drain
from timescale_migration.exceptions import MigrationError

CHECK = "drain"


@check(CHECK, "the drain's block record")
def block_records(pre: Preflight) -> list[Finding]:
    """The login may create or write the block records table in the record database of the source server."""
    if not pre.opts.drain:
        return []
    drain.refuse_record_database(pre.source.database)
    records, where = drain.records_place(pre.source.label)
    with pre.source.connect(records) as conn:
        present, writable = drain.can_keep_records(conn)
    if not writable:
        raise MigrationError(
            drain.unwritable_message(where, pre.source_info.user_name, present=present).replace(
                "Nothing was revoked", "Nothing was changed"
            )
        )
    pre.log.info("the drain can keep its block record in %s", where)
    return []
