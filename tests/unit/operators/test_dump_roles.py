"""Unit tests of operators/dump_roles.py with a fake pg_dumpall script."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from airflow.sdk.exceptions import AirflowFailException

from tests.unit.operators.conftest import make_plan, write_tools
from timescale_migration.operators.dump_roles import DumpRolesOperator

pytestmark = pytest.mark.unit

ROLES_DUMP = r"""--
-- PostgreSQL database cluster dump
--

\restrict k3y

SET default_transaction_read_only = off;

CREATE ROLE "app";
ALTER ROLE "app" WITH NOSUPERUSER INHERIT LOGIN NOREPLICATION NOBYPASSRLS PASSWORD 'SCRAM-SHA-256$4096:abc$def:ghi';
CREATE ROLE "postgres";
ALTER ROLE "postgres" WITH SUPERUSER INHERIT LOGIN REPLICATION BYPASSRLS;
CREATE ROLE "tsm_admin";
ALTER ROLE "tsm_admin" WITH NOSUPERUSER LOGIN;

\unrestrict k3y
"""

FAKE_PG_DUMPALL = f"""for a in "$@"; do case "$a" in --file=*) out="${{a#--file=}}";; esac; done
cat > "$out" <<'DUMP'
{ROLES_DUMP}DUMP
printf -- '-- argv: %s\\n' "$*" >> "$out"
"""


@pytest.fixture
def tools(tmp_path: Path):
    """Fake client tools whose pg_dumpall writes ROLES_DUMP plus its argv as a comment."""
    return write_tools(tmp_path / "bin", scripts={"pg_dumpall": FAKE_PG_DUMPALL})


def test_execute_writes_filtered_private_roles(tools, make_context) -> None:
    """roles.sql is the filtered dump, mode 0600, with the raw dump removed."""
    result = DumpRolesOperator(task_id="dump_roles").execute(make_context(make_plan(tools)))
    roles = Path(result["roles_file"])
    text = roles.read_text()
    assert roles.name == "roles.sql"
    assert stat.S_IMODE(roles.stat().st_mode) == 0o600
    assert 'CREATE ROLE "app";' in text
    assert 'CREATE ROLE "postgres"' not in text
    assert "NOSUPERUSER" not in text
    assert "\\restrict k3y" in text
    assert sorted(p.name for p in roles.parent.iterdir()) == ["roles.sql"]


def test_execute_reserves_target_login(tools, make_context) -> None:
    """The target's own login (from the plan) is reserved too."""
    plan = make_plan(tools)
    plan.target["user_name"] = "tsm_admin"
    result = DumpRolesOperator(task_id="dump_roles").execute(make_context(plan))
    assert result["roles"] == ["app"]
    assert '"tsm_admin"' not in Path(result["roles_file"]).read_text()


def test_execute_argv(tools, make_context) -> None:
    """pg_dumpall runs --roles-only --quote-all-identifiers on the source database, passwords as the plan says."""
    with_pw = DumpRolesOperator(task_id="dump_roles").execute(make_context(make_plan(tools)))
    argv = Path(with_pw["roles_file"]).read_text().splitlines()[-1]
    assert "--database=dbname='appdb'" in argv
    assert "--roles-only" in argv
    assert "--quote-all-identifiers" in argv
    assert "--no-role-passwords" not in argv
    without = DumpRolesOperator(task_id="dump_roles").execute(make_context(make_plan(tools, role_passwords=False)))
    assert "--no-role-passwords" in Path(without["roles_file"]).read_text().splitlines()[-1]


def test_execute_roles_false_writes_nothing(tools, make_context) -> None:
    """roles=false removes any roles.sql and reports no file, without running pg_dumpall."""
    context = make_context(make_plan(tools), roles=False)
    operator = DumpRolesOperator(task_id="dump_roles")
    leftover = operator.run_dir(context) / "roles.sql"
    leftover.write_text("old")
    assert operator.execute(context) == {"roles_file": None}
    assert not leftover.exists()


def test_execute_failure(tmp_path: Path, make_context) -> None:
    """A failing pg_dumpall raises naming the source, and leaves no raw dump behind."""
    tools = write_tools(tmp_path / "bin", scripts={"pg_dumpall": 'echo "permission denied for pg_authid"; exit 1'})
    context = make_context(make_plan(tools))
    with pytest.raises(
        AirflowFailException,  # a refused privilege cannot go away by itself: not retried
        match=r"(?s)^dumping roles from source .*permission denied for pg_authid.*not retried",
    ):
        DumpRolesOperator(task_id="dump_roles").execute(context)
    assert list(DumpRolesOperator(task_id="dump_roles").run_dir(context).iterdir()) == []
