"""What the target will not take as the source has it: the database's session defaults (db/dbsettings.py) and,
with privileges=as_source, owners and privileges (db/privileges.py). Their findings are warnings whose
differences verify accepts."""

from __future__ import annotations

from timescale_migration.checks.findings import Finding
from timescale_migration.checks.preflight import Preflight, check
from timescale_migration.db import dbsettings, privileges


@check(dbsettings.CHECK, "the database's settings and comment")
def database_settings(pre: Preflight) -> list[Finding]:
    """Each setting the target refuses (tried in a transaction that is rolled back), of a reserved role, or only
    on the target."""
    return dbsettings.preflight(pre.src, pre.tgt, pre.target.database, pre.reserved, roles_migrated=pre.opts.roles)


@check(privileges.CHECK, "owners and privileges")
def owners_and_privileges(pre: Preflight) -> list[Finding]:
    """Each owner the target's login cannot become, grantee that will not exist, or privilege the target refuses."""
    if pre.opts.privileges != "as_source":
        return []
    return privileges.preflight(
        pre.src, pre.tgt, pre.reserved, pre.target_info.user_name, roles_migrated=pre.opts.roles
    )
