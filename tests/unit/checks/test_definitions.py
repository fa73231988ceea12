"""Unit tests of checks/definitions.py and the column options check with fakes for what real servers here cannot
show (no label provider is loaded anywhere, every server has lz4, no user-settable column option is refused); the
cases the servers can show run in tests/integration/test_preflight_every_object.py."""

from __future__ import annotations

from types import SimpleNamespace

import psycopg
import pytest

from timescale_migration.checks import definitions, objects, preflight
from timescale_migration.checks.findings import BLOCKING

pytestmark = pytest.mark.unit


class Refusal(psycopg.errors.ObjectNotInPrerequisiteState):
    """A server error with a primary message, as preflight.refused returns it."""


def fake(monkeypatch, rows: dict[str, list[dict]], refusal: str | None, *, superuser: bool = False):
    """A Preflight whose source lists `rows` per query and whose target refuses every probe with `refusal`."""
    monkeypatch.setattr(definitions.catalog, "rows", lambda conn, name, params=None: rows.get(name, []))
    monkeypatch.setattr(objects.catalog, "rows", lambda conn, name, params=None: rows.get(name, []))
    monkeypatch.setattr(preflight, "refused", lambda conn, statement: Refusal(refusal) if refusal else None)
    monkeypatch.setattr(preflight, "server_message", lambda err: str(err))
    return SimpleNamespace(
        src="src", tgt="tgt", target_superuser=superuser, notes={}, target_info=SimpleNamespace(user_name="tsdbadmin")
    )


def test_a_label_provider_the_target_lacks_blocks(monkeypatch):
    """Security labels of a provider that is not loaded on the target: blocking, naming it and what to do."""
    pre = fake(
        monkeypatch,
        {
            "checks/security_label_providers": [
                {
                    "provider": "selinux",
                    "label": "system_u:object_r:sepgsql_table_t:s0",
                    "objects": 3,
                    "example": "table public.t",
                }
            ]
        },
        'security label provider "selinux" is not loaded',
    )
    found = definitions.security_labels(pre)
    assert [(f.severity, f.subject) for f in found] == [
        (BLOCKING, "security labels of provider selinux on 3 object(s)")
    ]
    assert "is not loaded" in found[0].message and "table public.t" in found[0].message
    assert "shared_preload_libraries" in found[0].remedy


def test_a_compression_method_the_target_lacks_blocks(monkeypatch):
    """lz4 columns into a server built without lz4: blocking, with the way out."""
    pre = fake(
        monkeypatch,
        {"checks/column_compression": [{"method": "lz4", "columns": 2, "example": "public.t.v"}]},
        'invalid value for parameter "default_toast_compression": "lz4"',
    )
    found = definitions.compression(pre)
    assert [(f.severity, f.subject) for f in found] == [(BLOCKING, "column compression lz4 on 2 column(s)")]
    assert "SET COMPRESSION pglz" in found[0].remedy


def test_c_libraries_are_tried_only_for_a_superuser_target(monkeypatch):
    """A target without superuser refuses C functions anyway (objects.superuser_only): nothing tried."""
    rows = {"checks/c_function_libraries": [{"library": "$libdir/x", "symbol": "f", "example": "f()", "functions": 1}]}
    assert definitions.c_libraries(fake(monkeypatch, rows, "could not access file", superuser=False)) == []
    assert definitions.c_libraries(fake(monkeypatch, rows, "could not access file", superuser=True))


def test_a_user_column_option_the_target_refuses_blocks(monkeypatch):
    """Only a server's own option (pg_...) is left out; any other refused option would be lost: blocking."""
    pre = fake(
        monkeypatch,
        {"checks/column_options": [{"name": "n_distinct", "value": "5", "columns": 1}]},
        'unrecognized parameter "n_distinct"',
    )
    found = objects.column_options(pre)
    assert [f.severity for f in found] == [BLOCKING] and pre.notes[objects.STRIPPED_OPTIONS] == []


def test_an_enabled_subscription_arrives_disabled_and_verify_accepts_it(monkeypatch):
    """The dump creates subscriptions disabled: an enabled one is a warning whose difference verify accepts."""
    pre = fake(
        monkeypatch,
        {"checks/subscriptions": [{"name": "inbox", "enabled": True}, {"name": "idle", "enabled": False}]},
        None,
    )
    pre.source_info = SimpleNamespace(is_superuser=True)
    pre.target_login = {"subscriptions": True}
    found = objects.subscriptions(pre)
    assert [f.subject for f in found] == ["subscription(s) inbox, idle", "subscription inbox enabled"]
    assert found[1].expected == ("subscriptions", "inbox")
