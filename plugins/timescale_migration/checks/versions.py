"""Versions: the target's PostgreSQL at least the source's, client tools at least as new as both servers, and
TimescaleDB the target can run at the source's version (it is aligned on an empty target once every check
passed: operators/check_versions.py)."""

from __future__ import annotations

from timescale_migration.checks.findings import Finding
from timescale_migration.checks.preflight import Preflight, check
from timescale_migration.constants import TIMESCALEDB
from timescale_migration.db import catalog, timescale_features
from timescale_migration.exceptions import VersionCheckError

CHECK = "versions"


def check_majors(source_major: int, target_major: int, source: str, target: str) -> None:
    """The target's PostgreSQL major version must be at least the source's."""
    if target_major < source_major:
        raise VersionCheckError(
            f"target PostgreSQL {target_major} is older than source PostgreSQL {source_major} "
            f"({target} < {source}): use a target running PostgreSQL {source_major} or newer"
        )


def timescaledb_action(source_version: str, target_version: str | None, installable: list[str]) -> str:
    """What to do about TimescaleDB: "ok", "create" or "replace" (on an empty target), else raise."""
    if target_version == source_version:
        return "ok"
    if source_version in installable:
        return "replace" if target_version else "create"
    raise VersionCheckError(
        f"TimescaleDB differs: source {source_version}, target {target_version or 'not installed'}, and the "
        f"target cannot install {source_version} (it offers {', '.join(installable) or 'no version'}). "
        f"Update the source with ALTER EXTENSION timescaledb UPDATE TO '<target version>' or use a target "
        f"that offers {source_version}"
    )


@check(CHECK, "PostgreSQL versions")
def postgres(pre: Preflight) -> list[Finding]:
    """A target older than the source cannot load its dump."""
    src, tgt = pre.source_info, pre.target_info
    pre.log.info("source: PostgreSQL %s, %s", src.version, pre.source.label)
    pre.log.info("target: PostgreSQL %s, %s", tgt.version, pre.target.label)
    check_majors(src.major, tgt.major, src.version, tgt.version)
    return []


@check(CHECK, "client tools")
def client_tools(pre: Preflight) -> list[Finding]:
    """pg_dump, pg_dumpall, pg_restore and psql at least as new as the newer server."""
    tools = pre.client_tools
    pre.log.info("client tools: version %s in %s", tools.version, tools.bin_dir)
    return []


@check(CHECK, "TimescaleDB version")
def timescaledb(pre: Preflight) -> list[Finding]:
    """The target has the source's TimescaleDB version, or can install it (then it is aligned after the checks)."""
    version = pre.timescaledb
    if version is None:
        return []
    target_version = pre.target_extensions.get(TIMESCALEDB, {}).get("version")
    pre.log.info("TimescaleDB: source %s, target %s", version, target_version or "not installed")
    pre.notes["timescaledb_action"] = timescaledb_action(
        version, target_version, catalog.available_versions(pre.tgt, TIMESCALEDB)
    )
    return []


@check(CHECK, "TimescaleDB features")
def timescaledb_features(pre: Preflight) -> list[Finding]:
    """The target's build runs what the source uses; a 2.19 target can load every compressed batch (checked once
    the version check found a version the target can have)."""
    version = pre.timescaledb
    if version is None:
        return []
    if "timescaledb_action" not in pre.notes:
        pre.log.info("TimescaleDB features not checked: the target cannot have the source's version (above)")
        return []
    used = timescale_features.features(pre.src)
    target_license = catalog.rows(pre.tgt, "timescaledb/license")[0]["license"]
    pre.log.info(
        "TimescaleDB builds: source %s, target %s; the source uses %s",
        used.license,
        target_license or "not known until TimescaleDB is created there (checked then, before the gate)",
        ", ".join(used.used()) or "no community feature",
    )
    timescale_features.check_builds(used, target_license)
    if used.compressed_chunks and used.community and timescale_features.loads_all_null_batches(version):
        pre.log.info(
            "checking %d compressed chunk(s) for batches TimescaleDB %s cannot load (%s)",
            used.compressed_chunks,
            version,
            timescale_features.ALL_NULL_BATCH_ISSUE,
        )
        found = timescale_features.all_null_batches(pre.src)
        timescale_features.refuse_all_null_batches(found, version, version)
    return []
