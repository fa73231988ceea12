"""Definitions of the source the target's server cannot create, whoever its login is: what they need is not on it.
Each is tried on the target in a transaction that is rolled back (nothing changes), as the dump would create it:

- security labels: the label provider (a module loaded by the server, e.g. sepgsql) must be loaded on the target;
- column compression: the target's server must be built with the method (lz4);
- text search dictionaries on the system's templates: the files they read (synonyms, thesaurus, ispell, stop words)
  must be in the target's tsearch_data directory;
- functions in language C (where the target's login is a superuser; otherwise they are refused as superuser-only by
  checks/objects.py): the library and symbol must be on the target's server.

Each refused one is a blocking finding: the load would stop at it after the downtime began.
"""

from __future__ import annotations

from psycopg import sql as pgsql

from timescale_migration.checks import preflight
from timescale_migration.checks.findings import BLOCKING, Finding
from timescale_migration.checks.preflight import Preflight, check
from timescale_migration.db import catalog, sqlfiles

CHECK = "definitions"


@check(CHECK, "security label providers")
def security_labels(pre: Preflight) -> list[Finding]:
    """Each label provider of the source's security labels that the target does not take."""
    found = []
    for row in catalog.rows(pre.src, "checks/security_label_providers"):
        probe = sqlfiles.compose(
            "checks/security_label_probe", provider=row["provider"], label=pgsql.Literal(row["label"])
        )
        err = preflight.refused(pre.tgt, probe)
        if err is not None:
            found.append(
                Finding(
                    CHECK,
                    BLOCKING,
                    f"security labels of provider {row['provider']} on {row['objects']} object(s)",
                    f"the target refuses them ({preflight.server_message(err)}): the load would stop at the dump's "
                    f"SECURITY LABEL statements, the first on {row['example']}",
                    remedy="load the provider's module on the target (shared_preload_libraries; the provider's help "
                    "on a "
                    "managed service), or remove the labels from the source (SECURITY LABEL ... IS NULL)",
                )
            )
    return found


@check(CHECK, "column compression")
def compression(pre: Preflight) -> list[Finding]:
    """Each compression method of the source's columns that the target's server does not have."""
    found = []
    for row in catalog.rows(pre.src, "checks/column_compression"):
        err = preflight.refused(
            pre.tgt, sqlfiles.compose("checks/compression_probe", method=pgsql.Literal(row["method"]))
        )
        if err is not None:
            found.append(
                Finding(
                    CHECK,
                    BLOCKING,
                    f"column compression {row['method']} on {row['columns']} column(s)",
                    f"the target's server does not have it ({preflight.server_message(err)}): the load would stop at "
                    f"the dump's SET COMPRESSION, the first for {row['example']}",
                    remedy=f"set the columns to pglz on the source (ALTER TABLE ... ALTER COLUMN ... SET COMPRESSION "
                    f"pglz; rows keep their compression until rewritten), or choose a target built with "
                    f"{row['method']}",
                )
            )
    return found


@check(CHECK, "text search dictionaries")
def dictionaries(pre: Preflight) -> list[Finding]:
    """Each text search dictionary on a system template that the target cannot create (the files it reads are
    missing there): created in pg_temp with the source's options, as pg_dump writes them."""
    refused = []
    for row in catalog.rows(pre.src, "checks/text_search_dictionaries"):
        options = pgsql.SQL(", " + row["options"]) if row["options"] else pgsql.SQL("")  # the server's own text
        probe = sqlfiles.compose("checks/text_search_dictionary_probe", template=row["template"], options=options)
        err = preflight.refused(pre.tgt, probe)
        if err is not None:
            refused.append((row["name"], preflight.server_message(err)))
    if not refused:
        return []
    return [
        Finding(
            CHECK,
            BLOCKING,
            f"{len(refused)} text search dictionary(ies): {preflight.names(refused, 10)}",
            f"the target cannot create them: the load would stop at the dump's CREATE TEXT SEARCH DICTIONARY; "
            f"{preflight.described(refused, 10)}",
            remedy="put the files they read into the target server's tsearch_data directory (the provider's "
            "help on a managed service), or drop the dictionaries (and what uses them) from the source",
        )
    ]


@check(CHECK, "libraries of C functions")
def c_libraries(pre: Preflight) -> list[Finding]:
    """For a superuser target: each library and symbol of the source's C functions (outside extensions) that the
    target's server lacks."""
    if not pre.target_superuser:
        return []
    refused = []
    for row in catalog.rows(pre.src, "checks/c_function_libraries"):
        probe = sqlfiles.compose(
            "checks/c_function_probe", library=pgsql.Literal(row["library"]), symbol=pgsql.Literal(row["symbol"])
        )
        err = preflight.refused(pre.tgt, probe)
        if err is not None:
            refused.append((row["example"], preflight.server_message(err)))
    if not refused:
        return []
    return [
        Finding(
            CHECK,
            BLOCKING,
            f"{len(refused)} C function(s): {preflight.names(refused, 10)}",
            f"the target's server lacks their code: the load would stop at the dump's CREATE FUNCTION; "
            f"{preflight.described(refused, 10)}",
            remedy="install the library on the target's server (the same version), or drop the functions "
            "(and what uses them) from the source",
        )
    ]
