"""Replication: the source's replication slots do not move (their consumers keep reading the source and miss
every change on the target), and its publications are copied by the dump but their subscribers stay with the
source; publications of all tables or of whole schemas need a superuser on the target."""

from __future__ import annotations

from timescale_migration.checks import preflight
from timescale_migration.checks.findings import BLOCKING, WARNING, Finding
from timescale_migration.checks.preflight import Preflight, check, listed
from timescale_migration.db import catalog

CHECK = "replication"


@check(CHECK, "replication slots and publications")
def slots_and_publications(pre: Preflight) -> list[Finding]:
    """Each slot is a warning of its own; publications one warning, and a blocking one for those the target's
    login may not create."""
    found = []
    for slot in catalog.rows(pre.src, "checks/replication_slots"):
        kind = slot["kind"] + (f" ({slot['plugin']})" if slot["plugin"] else "")
        found.append(
            Finding(
                CHECK,
                WARNING,
                f"replication slot {slot['name']}",
                f"a {kind} slot of the source ({'in use' if slot['active'] else 'not in use'}) does not move: its "
                "consumer (a replica, a change-data-capture tool) keeps reading the source and misses every change "
                "made "
                "on the target after the cutover, and the slot keeps WAL on the source",
                remedy="repoint its consumer at the target after the cutover (create a slot there), then drop this one "
                "on the source (SELECT pg_drop_replication_slot(...)) once nothing reads it",
            )
        )
    publications = catalog.rows(pre.src, "checks/publications")
    if not publications:
        return found
    names = [p["name"] for p in publications]
    found.append(
        Finding(
            CHECK,
            WARNING,
            f"publication(s) {listed(names, 10)}",
            "the dump creates them on the target, but their subscribers keep replicating from the source",
            remedy="after the cutover, point each subscriber at the target (a new subscription there) and drop the "
            "old one",
        )
    )
    wide = [
        (p["name"], "FOR ALL TABLES" if p["all_tables"] else "FOR TABLES IN SCHEMA")
        for p in publications
        if p["all_tables"] or p["schemas"]
    ]
    if wide and not pre.target_superuser:
        found.append(
            Finding(
                CHECK,
                BLOCKING,
                f"publication(s) {preflight.names(wide, 10)}",
                f"only a superuser may create a publication of all tables or of whole schemas and the target's login "
                f"{pre.target_info.user_name} is none: the load would fail at {preflight.described(wide, 5)}",
                remedy="drop them from the source before the migration and create them on the target afterwards for "
                "the tables they publish (FOR TABLE ...), or migrate with a superuser login on the target",
            )
        )
    return found
