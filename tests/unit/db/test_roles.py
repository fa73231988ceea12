"""Unit tests of timescale_migration.db.roles: rewriting `pg_dumpall --roles-only` output for a non-superuser target."""

# ruff: noqa: E501 - DUMP below is pg_dumpall output verbatim, whose lines are long

from __future__ import annotations

import re
import uuid

import pytest

from timescale_migration.constants import ROLE_ATTRIBUTES_REFUSED, TARGET_RESERVED_ROLES
from timescale_migration.db.roles import (
    _scan_quotes,
    filter_roles,
    idempotent_create,
    mask_password_hashes,
    password_hashes,
    split_statements,
    tokens,
    unquote,
)

pytestmark = pytest.mark.unit

APP_PASSWORD = "'SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0$c3RvcmVka2V5c3RvcmVka2V5:c2VydmVya2V5c2VydmVya2V5'"
POSTGRES_PASSWORD = "'SCRAM-SHA-256$4096:cG9zdGdyZXNzYWx0$cG9zdGdyZXNrZXk=:cG9zdGdyZXNzZXJ2ZXI='"
AWKWARD = '"Grüße ""Team"" Ω"'
MULTILINE_COMMENT = (
    "COMMENT ON ROLE \"app_owner\" IS 'Owns the application''s schema;\nsecond line \"quoted\";\nlast line';\n"
)

# What pg_dumpall 17 --roles-only --quote-all-identifiers prints (roles and memberships of a small cluster).
DUMP = rf"""--
-- PostgreSQL database cluster dump
--

\restrict 9xQhTzKbLw3mUfP1eVa7cNdRg2YsJo6H

SET default_transaction_read_only = off;

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;

--
-- Roles
--

CREATE ROLE "app_owner";
ALTER ROLE "app_owner" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD {APP_PASSWORD};
CREATE ROLE {AWKWARD};
ALTER ROLE {AWKWARD} WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;
CREATE ROLE "SUPERUSER";
ALTER ROLE "SUPERUSER" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS VALID UNTIL 'infinity';
CREATE ROLE "postgres";
ALTER ROLE "postgres" WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS PASSWORD {POSTGRES_PASSWORD};
CREATE ROLE "tsdbadmin";
ALTER ROLE "tsdbadmin" WITH NOSUPERUSER INHERIT CREATEROLE CREATEDB LOGIN NOREPLICATION NOBYPASSRLS;
CREATE ROLE "replicator";
ALTER ROLE "replicator" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN REPLICATION BYPASSRLS CONNECTION LIMIT 5;
{MULTILINE_COMMENT}COMMENT ON ROLE "postgres" IS 'bootstrap superuser';

--
-- User Configurations
--

--
-- User Config "app_owner"
--

ALTER ROLE "app_owner" SET "search_path" TO '"$user"', 'public', 'app';

--
-- User Config "postgres"
--

ALTER ROLE "postgres" SET "statement_timeout" TO '0';


--
-- Role memberships
--

GRANT "pg_read_all_data" TO "app_owner" WITH INHERIT TRUE GRANTED BY "postgres";
GRANT {AWKWARD} TO "SUPERUSER" WITH ADMIN OPTION, INHERIT TRUE GRANTED BY "app_owner";
GRANT "tsdbadmin" TO "app_owner" WITH INHERIT TRUE GRANTED BY "app_owner";
GRANT "app_owner" TO "tsdbadmin" WITH INHERIT TRUE GRANTED BY "app_owner";

\unrestrict 9xQhTzKbLw3mUfP1eVa7cNdRg2YsJo6H

--
-- PostgreSQL database cluster dump complete
--

"""


_DO_BLOCK = re.compile(r"DO (\$\w*\$)BEGIN (?P<body>.*) EXCEPTION WHEN (?P<condition>\w+) THEN .* END\1;", re.DOTALL)


def unwrap(piece: str) -> str:
    """The statement inside one of the filter's DO blocks, or the piece itself."""
    match = _DO_BLOCK.fullmatch(piece.strip())
    return match["body"] if match else piece.strip()


def sql_pieces(script: str) -> list[str]:
    """The SQL statements of a script (comments, blank lines and meta-commands left out)."""
    return [p for p in split_statements(script) if p.strip() and not p.startswith(("--", "\\"))]


def statements(script: str) -> list[str]:
    """Every statement of a script, unwrapped from its DO block."""
    return [unwrap(p) for p in sql_pieces(script)]


def words_outside_quotes(statement: str) -> list[str]:
    """Upper-cased bare words of a statement (quoted identifiers and literals excluded)."""
    return [t.upper() for t in tokens(statement) if not t.startswith(("'", '"'))]


@pytest.fixture(scope="module")
def result():
    """The fixture dump filtered with the Timescale target's reserved roles."""
    return filter_roles(DUMP, TARGET_RESERVED_ROLES)


@pytest.fixture(scope="module")
def kept(result) -> list[str]:
    """The filtered script's statements, unwrapped."""
    return statements(result.text)


# --- filter_roles on a realistic dump ---------------------------------------------------------------------------------


def test_reserved_roles_statements_dropped(result, kept: list[str]) -> None:
    """No statement about postgres or tsdbadmin survives, not even their passwords or settings."""
    for statement in kept:
        assert '"postgres"' not in statement, statement
        assert '"tsdbadmin"' not in statement, statement
    assert POSTGRES_PASSWORD not in result.text
    assert "statement_timeout" not in result.text
    assert "bootstrap superuser" not in result.text


def test_reserved_roles_reported_as_dropped(result) -> None:
    """Every dropped statement is named in result.dropped (names only)."""
    assert 'CREATE ROLE "postgres" (reserved on the target)' in result.dropped
    assert 'ALTER ROLE "postgres" (reserved on the target)' in result.dropped
    assert 'CREATE ROLE "tsdbadmin" (reserved on the target)' in result.dropped
    assert 'ALTER ROLE "tsdbadmin" (reserved on the target)' in result.dropped
    assert 'COMMENT on role "postgres" (reserved on the target)' in result.dropped


def test_grants_of_or_to_tsdbadmin_dropped(result, kept: list[str]) -> None:
    """Memberships that grant tsdbadmin or grant to tsdbadmin are dropped and reported."""
    assert not [s for s in kept if s.startswith("GRANT") and "tsdbadmin" in s]
    assert sum(line.startswith("GRANT") and "tsdbadmin" in line for line in result.dropped) == 2


def test_refused_attributes_removed(kept: list[str]) -> None:
    """No kept ALTER ROLE ... WITH carries (NO)SUPERUSER, (NO)REPLICATION or (NO)BYPASSRLS."""
    alters = [s for s in kept if s.startswith("ALTER ROLE") and " WITH " in s]
    assert len(alters) == 4
    for statement in alters:
        assert not set(words_outside_quotes(statement)) & set(ROLE_ATTRIBUTES_REFUSED), statement


def test_refused_attributes_reported(result) -> None:
    """Each rewritten ALTER ROLE is reported with the words removed."""
    assert 'ALTER ROLE "app_owner": removed NOSUPERUSER NOREPLICATION NOBYPASSRLS' in result.changed
    assert 'ALTER ROLE "replicator": removed NOSUPERUSER REPLICATION BYPASSRLS' in result.changed


def test_other_attributes_and_password_kept(result, kept: list[str]) -> None:
    """Attributes a non-superuser may set stay, and the password literal is byte for byte the dumped one."""
    assert f'ALTER ROLE "app_owner" WITH INHERIT NOCREATEROLE NOCREATEDB LOGIN PASSWORD {APP_PASSWORD};' in kept
    assert result.text.count(APP_PASSWORD) == 1


def test_connection_limit_kept(kept: list[str]) -> None:
    """CONNECTION LIMIT survives while REPLICATION and BYPASSRLS go."""
    assert 'ALTER ROLE "replicator" WITH INHERIT NOCREATEROLE NOCREATEDB LOGIN CONNECTION LIMIT 5;' in kept


def test_role_named_superuser_is_kept(result, kept: list[str]) -> None:
    """A role literally named "SUPERUSER" keeps its name in CREATE, ALTER and GRANT."""
    assert "SUPERUSER" in result.roles
    assert 'CREATE ROLE "SUPERUSER";' in kept
    assert "ALTER ROLE \"SUPERUSER\" WITH INHERIT NOCREATEROLE NOCREATEDB LOGIN VALID UNTIL 'infinity';" in kept
    assert f'GRANT {AWKWARD} TO "SUPERUSER" WITH ADMIN OPTION, INHERIT TRUE;' in kept


def test_awkward_role_name_kept(result, kept: list[str]) -> None:
    """A name with doubled quotes, spaces and unicode is kept verbatim and reported unquoted."""
    assert 'Grüße "Team" Ω' in result.roles
    assert f"CREATE ROLE {AWKWARD};" in kept
    assert f"ALTER ROLE {AWKWARD} WITH INHERIT NOCREATEROLE NOCREATEDB NOLOGIN;" in kept


def test_granted_by_removed(result, kept: list[str]) -> None:
    """No GRANTED BY clause is left, and each removal is reported."""
    assert "GRANTED BY" not in result.text
    assert 'GRANT: removed GRANTED BY "app_owner"' in result.changed


def test_grant_granted_by_reserved_role_is_kept_without_clause(kept: list[str]) -> None:
    """A membership granted by postgres is kept, only its GRANTED BY clause removed."""
    assert 'GRANT "pg_read_all_data" TO "app_owner" WITH INHERIT TRUE;' in kept


def test_create_role_wrapped_in_do_block(result) -> None:
    """Every kept CREATE ROLE runs inside a DO block that tolerates an existing role, none is left bare."""
    creates = [p for p in sql_pieces(result.text) if unwrap(p).startswith("CREATE ROLE")]
    assert len(creates) == len(result.roles) == 4
    for piece in creates:
        match = _DO_BLOCK.fullmatch(piece.strip())
        assert match, piece
        assert match["condition"] == "duplicate_object"
        assert "RAISE NOTICE" in piece


def test_create_notice_names_role_as_literal(result) -> None:
    """The NOTICE of an existing role names it as a correctly quoted string literal."""
    assert "'Grüße \"Team\" Ω'; END$tsm_role$;" in result.text


def test_other_role_statements_turn_refusals_into_warnings(result) -> None:
    """Kept ALTER, COMMENT and GRANT statements survive a permission refusal with a WARNING (module docstring)."""
    others = [p for p in sql_pieces(result.text) if unwrap(p).startswith(("ALTER ROLE", "COMMENT ON ROLE", "GRANT"))]
    assert len(others) == 8
    for piece in others:
        match = _DO_BLOCK.fullmatch(piece.strip())
        assert match, piece
        assert match["condition"] == "insufficient_privilege"
        assert "RAISE WARNING" in piece


def test_roles_listed_in_dump_order(result) -> None:
    """result.roles names the created roles, in dump order, reserved ones excluded."""
    assert result.roles == ["app_owner", 'Grüße "Team" Ω', "SUPERUSER", "replicator"]


def test_restrict_lines_preserved(result) -> None:
    """psql's \\restrict and \\unrestrict lines pass through unchanged and in place."""
    lines = result.text.splitlines()
    restrict = "\\restrict 9xQhTzKbLw3mUfP1eVa7cNdRg2YsJo6H"
    unrestrict = "\\unrestrict 9xQhTzKbLw3mUfP1eVa7cNdRg2YsJo6H"
    assert lines.count(restrict) == 1
    assert lines.count(unrestrict) == 1
    assert lines.index(restrict) < next(i for i, line in enumerate(lines) if line.startswith("DO "))
    assert lines.index(unrestrict) > max(i for i, line in enumerate(lines) if "GRANT " in line)


def test_header_and_set_lines_preserved(result) -> None:
    """Comments and SET lines are kept as they were."""
    assert result.text.startswith("--\n-- PostgreSQL database cluster dump\n--\n\n")
    assert "SET default_transaction_read_only = off;\n" in result.text
    assert "SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n" in result.text
    assert result.text.endswith("--\n-- PostgreSQL database cluster dump complete\n--\n\n")


def test_multiline_comment_kept_intact(result, kept: list[str]) -> None:
    """A COMMENT whose literal spans lines and has a ';' at a line end is kept as one statement, byte for byte."""
    assert MULTILINE_COMMENT.strip() in kept
    assert MULTILINE_COMMENT.strip() in result.text


def test_alter_role_set_kept(kept: list[str]) -> None:
    """Per-role settings of kept roles pass through unchanged."""
    assert "ALTER ROLE \"app_owner\" SET \"search_path\" TO '\"$user\"', 'public', 'app';" in kept


def test_log_lists_never_carry_passwords(result) -> None:
    """dropped and changed name statements, never password hashes."""
    for line in result.dropped + result.changed:
        assert "SCRAM" not in line
        assert "PASSWORD" not in line


def test_target_login_is_reserved_too() -> None:
    """The target's own login (passed in `reserved`) is treated like postgres."""
    script = 'CREATE ROLE "tsm_admin";\nALTER ROLE "tsm_admin" WITH LOGIN;\nCREATE ROLE "app";\n'
    filtered = filter_roles(script, {*TARGET_RESERVED_ROLES, "tsm_admin"})
    assert '"tsm_admin"' not in filtered.text
    assert filtered.roles == ["app"]


# --- filter_roles corner cases ----------------------------------------------------------------------------------------


def test_alter_with_only_refused_attributes_dropped() -> None:
    """ALTER ROLE ... WITH holding nothing but refused attributes disappears."""
    filtered = filter_roles('ALTER ROLE "r" WITH NOSUPERUSER NOREPLICATION NOBYPASSRLS;\n', ())
    assert filtered.text == ""
    assert filtered.changed == ['ALTER ROLE "r": removed NOSUPERUSER NOREPLICATION NOBYPASSRLS']


def test_alter_without_with_untouched() -> None:
    """ALTER ROLE ... SET statements are not rewritten."""
    statement = 'ALTER ROLE "r" SET "work_mem" TO \'64MB\';'
    assert statements(filter_roles(statement + "\n", ()).text) == [statement]


def test_refused_words_inside_literals_untouched() -> None:
    """A password literal that spells SUPERUSER is not a keyword."""
    filtered = filter_roles("ALTER ROLE \"r\" WITH SUPERUSER LOGIN PASSWORD 'SUPERUSER';\n", ())
    assert statements(filtered.text) == ["ALTER ROLE \"r\" WITH LOGIN PASSWORD 'SUPERUSER';"]


def test_reserved_names_compare_exactly() -> None:
    """ "Postgres" (another role) is not the reserved postgres."""
    filtered = filter_roles('CREATE ROLE "Postgres";\n', TARGET_RESERVED_ROLES)
    assert filtered.roles == ["Postgres"]


def test_rewrite_keeps_names_with_space_before_comma() -> None:
    """Rewriting an ALTER ROLE keeps a quoted name containing ' ,' and ' ;' unchanged."""
    filtered = filter_roles('ALTER ROLE "a ,b ;c" WITH NOSUPERUSER LOGIN;\n', ())
    assert statements(filtered.text) == ['ALTER ROLE "a ,b ;c" WITH LOGIN;']


def test_grant_rewrite_keeps_names_with_space_before_comma() -> None:
    """Removing GRANTED BY keeps a quoted member name containing ' ,' unchanged."""
    filtered = filter_roles('GRANT "a" TO "x ,y" WITH INHERIT TRUE GRANTED BY "a";\n', ())
    assert statements(filtered.text) == ['GRANT "a" TO "x ,y" WITH INHERIT TRUE;']


def test_security_label_on_reserved_role_dropped() -> None:
    """SECURITY LABEL ... ON ROLE "postgres" is dropped like COMMENT."""
    filtered = filter_roles("SECURITY LABEL FOR selinux ON ROLE \"postgres\" IS 'x';\n", TARGET_RESERVED_ROLES)
    assert filtered.text == ""


# --- idempotent_create ------------------------------------------------------------------------------------------------


def test_idempotent_create_escapes_quote_in_notice() -> None:
    """The role name inside RAISE NOTICE is a correctly doubled string literal."""
    block = idempotent_create('CREATE ROLE "o\'neil";', "o'neil")
    assert block.endswith("RAISE NOTICE 'role % exists already on the target: kept', 'o''neil'; END$tsm_role$;")
    assert 'BEGIN CREATE ROLE "o\'neil"; EXCEPTION' in block


def test_idempotent_create_picks_unused_dollar_tag() -> None:
    """A statement containing $tsm_role$ gets another dollar-quote tag."""
    block = idempotent_create('CREATE ROLE "$tsm_role$";', "$tsm_role$")
    assert block.startswith("DO $tsm_role1$BEGIN ")
    assert block.endswith("END$tsm_role1$;")


# --- split_statements -------------------------------------------------------------------------------------------------


def test_split_statements_is_lossless() -> None:
    """Joining the pieces gives back the script exactly."""
    assert "".join(split_statements(DUMP)) == DUMP


def test_split_statements_pass_through_lines() -> None:
    """Comments, blank lines and meta-commands come out one line each."""
    script = "--\n-- x\n\n\\restrict K\nSET a = 1;\n"
    assert list(split_statements(script)) == ["--\n", "-- x\n", "\n", "\\restrict K\n", "SET a = 1;\n"]


def test_split_statements_multiline_literal_with_semicolon() -> None:
    """A ';' at a line end inside an open literal does not end the statement."""
    pieces = list(split_statements(MULTILINE_COMMENT + "SET b = 2;\n"))
    assert pieces == [MULTILINE_COMMENT, "SET b = 2;\n"]


def test_split_statements_comment_like_line_inside_literal() -> None:
    """Inside a statement, a line starting with -- or \\ belongs to the literal."""
    script = "COMMENT ON ROLE \"r\" IS 'a;\n-- not a comment;\n\\not meta;\nend';\n"
    assert list(split_statements(script)) == [script]


def test_split_statements_single_quote_in_identifier() -> None:
    """An apostrophe inside a double-quoted name opens no literal."""
    script = 'GRANT "it\'s" TO "b";\nSET x = 1;\n'
    assert list(split_statements(script)) == ['GRANT "it\'s" TO "b";\n', "SET x = 1;\n"]


def test_split_statements_multiline_identifier() -> None:
    """A quoted name spanning lines with a ';' inside stays one statement."""
    script = 'CREATE ROLE "odd;\nname";\n'
    assert list(split_statements(script)) == [script]


def test_split_statements_unterminated_tail() -> None:
    """A last statement without ';' is still yielded."""
    assert list(split_statements("SET a = 1;\nSET b = 2")) == ["SET a = 1;\n", "SET b = 2"]


# --- _scan_quotes, tokens, unquote ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "open_at_start", "open_at_end"),
    [
        ("SET a = 1;", None, None),
        ("'abc", None, "'"),
        ("'it''s'", None, None),
        ("''''", None, None),
        ("'''", None, "'"),
        ("''", None, None),
        ("x''", "'", "'"),
        ("''", "'", "'"),
        ("abc';", "'", None),
        ('"a""b"', None, None),
        ('"a""', None, '"'),
        ('"it\'s"', None, None),
        ("'say \"hi'", None, None),
        ('name";', '"', None),
        ("a'; b \"c", None, "'"),
    ],
)
def test_scan_quotes(line: str, open_at_start: str | None, open_at_end: str | None) -> None:
    """The quote open at the end of a line, doubled quotes counting as escaped quotes."""
    assert _scan_quotes(line, open_at_start) == open_at_end


def test_tokens_keep_quoted_parts_whole() -> None:
    """Quoted identifiers and literals are single tokens, punctuation separate."""
    statement = 'GRANT "a ""b""" TO "c", "d" WITH ADMIN OPTION PASSWORD \'x y;z\';'
    assert tokens(statement) == [
        "GRANT",
        '"a ""b"""',
        "TO",
        '"c"',
        ",",
        '"d"',
        "WITH",
        "ADMIN",
        "OPTION",
        "PASSWORD",
        "'x y;z'",
        ";",
    ]


@pytest.mark.parametrize(
    ("token", "name"),
    [('"a""b"', 'a"b'), ('"Mixed Case"', "Mixed Case"), ("Bare", "bare"), ('"SUPERUSER"', "SUPERUSER")],
)
def test_unquote(token: str, name: str) -> None:
    """Quoted names lose their quotes (doubled quotes undone); bare names fold to lower case."""
    assert unquote(token) == name


# --- password hashes ------------------------------------------------------------------------------------------------

SCRAM = "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy"


def test_password_hashes_found_and_unquoted() -> None:
    """Every PASSWORD literal of a roles dump, whatever the case and quoting, and nothing else."""
    script = (
        f"CREATE ROLE app;\nALTER ROLE app WITH LOGIN PASSWORD '{SCRAM}';\n"
        "ALTER ROLE \"o'k\" WITH password 'md5abc''def0123';\nCOMMENT ON ROLE app IS 'PASSWORD';\n"
    )
    assert password_hashes(script) == sorted([SCRAM, "md5abc'def0123"])


def test_mask_password_hashes_registers_each_with_airflow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each hash goes to Airflow's mask_secret (which also tells the task's supervisor)."""
    masked: list[str] = []
    monkeypatch.setattr("timescale_migration.db.roles.mask", masked.append)
    assert mask_password_hashes(f"ALTER ROLE a WITH PASSWORD '{SCRAM}';\nALTER ROLE b WITH PASSWORD NULL;\n") == 1
    assert masked == [SCRAM]


def test_masked_hash_never_reaches_a_log_line() -> None:
    """After registration, Airflow's masker redacts the hash from any text that quotes it."""
    from timescale_migration.masking import redacted

    secret = f"SCRAM-SHA-256$4096:{uuid.uuid4().hex}$x:y"
    mask_password_hashes(f"ALTER ROLE a WITH PASSWORD '{secret}';")
    line = redacted(f"CONTEXT:  SQL statement \"ALTER ROLE a WITH PASSWORD '{secret}'\"")
    assert secret not in line and "***" in line
