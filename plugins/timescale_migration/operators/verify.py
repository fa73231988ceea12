"""Phase 10: prove the target holds what the source held; the run fails on any difference."""

from __future__ import annotations

from typing import Any

from timescale_migration import workdir
from timescale_migration.constants import DUMP_FILE, ROLES_FILE
from timescale_migration.exceptions import VerificationError
from timescale_migration.operators.base import MigrationOperator
from timescale_migration.verify import compare, format_table


class VerifyOperator(MigrationOperator):
    """Row counts of every table, every sequence and the large objects, source against target."""

    retries = 1

    def execute(self, context: Any) -> dict[str, Any]:
        opts = self.migration_options(context)
        source, target = self.endpoints(context)
        with source.connect() as src, target.connect() as tgt:
            report = compare(src, tgt)
        self.log.info("verification of %s against %s:\n%s", target.label, source.label, format_table(report))
        summary = report.summary()
        if report.differences:
            raise VerificationError(
                f"the target differs from the source in {len(report.differences)} place(s): "
                + "; ".join(summary["differences"][:50])
            )
        self.log.info("verified: %d tables, %d rows, %d sequences identical", summary["tables"], summary["rows"],
                      summary["sequences"])
        run_dir = self.run_dir(context, create=False)
        if opts.keep_dump:
            self.log.info("keep_dump=true: dump files kept in %s", run_dir)
        else:
            for name in (DUMP_FILE, ROLES_FILE):
                workdir.remove(run_dir / name)
            self.log.info("dump files removed from %s", run_dir)
        return summary
