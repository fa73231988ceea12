"""Rewrite `pg_dumpall --roles-only` output for a target without superuser, as the guide prescribes.

Dropped: statements about roles the target reserves (postgres, tsdbadmin, the target's own login) and
membership grants that name them. Removed words: (NO)SUPERUSER, (NO)REPLICATION, (NO)BYPASSRLS and
`GRANTED BY "..."`. `CREATE ROLE` becomes idempotent, so a rehearsal followed by the real run loads twice,
and the other role statements turn a permission refusal (a role that exists and that the target's user may not
alter) into a WARNING in the load's log instead of stopping the load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from timescale_migration.constants import ROLE_ATTRIBUTES_REFUSED
from timescale_migration.masking import mask

_TOKEN_RE = re.compile(r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'|[^\s,;\"']+|[,;]")
_PASSWORD_RE = re.compile(r"\bPASSWORD\s+'((?:[^']|'')*)'", re.IGNORECASE)


@dataclass
class RoleFilterResult:
    """The filtered script and what was changed, for the task log (names only, never passwords)."""

    text: str
    dropped: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    statements: list[tuple[str, str, str]] = field(default_factory=list)
    """(role, statement, what it does) of each statement roles.sql runs about a role (CREATE ROLE, ALTER ROLE,
    GRANT ... TO it, COMMENT or SECURITY LABEL on it), in order and unwrapped: the preflight tries them."""


def password_hashes(script: str) -> list[str]:
    """Every PASSWORD '...' literal of a roles dump (pg_dumpall writes the stored SCRAM or md5 hashes), unquoted."""
    return sorted({match.group(1).replace("''", "'") for match in _PASSWORD_RE.finditer(script)})


def mask_password_hashes(script: str) -> int:
    """Register every password hash of `script` with Airflow's secrets masker (this process and the task's
    supervisor), so that no log line can show one, whatever prints it (psql echoing a failed statement, the
    server's CONTEXT line). Returns how many."""
    hashes = password_hashes(script)
    for secret in hashes:
        mask(secret)
    return len(hashes)


def split_statements(script: str) -> Iterator[str]:
    """SQL statements and pass-through lines (comments, blank lines, psql meta-commands) of a script."""
    buf: list[str] = []
    quote: str | None = None
    for line in script.splitlines(keepends=True):
        if not buf and (line.startswith("\\") or line.startswith("--") or not line.strip()):
            yield line
            continue
        buf.append(line)
        quote = _scan_quotes(line, quote)
        if quote is None and line.rstrip().endswith(";"):
            yield "".join(buf)
            buf = []
    if buf:
        yield "".join(buf)


def _scan_quotes(line: str, quote: str | None) -> str | None:
    """The quote still open at the end of `line` ('"', "'" or None), given the one open at its start."""
    i = 0
    while i < len(line):
        char = line[i]
        if quote is None:
            if char in "\"'":
                quote = char
        elif char == quote:
            if i + 1 < len(line) and line[i + 1] == quote:
                i += 1
            else:
                quote = None
        i += 1
    return quote


def tokens(statement: str) -> list[str]:
    """Words, quoted identifiers, string literals and punctuation of one statement."""
    return _TOKEN_RE.findall(statement)


def unquote(token: str) -> str:
    """The name behind a (possibly double-quoted) identifier token."""
    if token.startswith('"') and token.endswith('"'):
        return token[1:-1].replace('""', '"')
    return token.lower()


def _join(parts: list[str]) -> str:
    """Tokens back into a statement: a space between tokens, none before , and ; (quoted names untouched)."""
    out = ""
    for part in parts:
        out += part if part in (",", ";") or not out else " " + part
    return out


def _dollar_tag(statement: str) -> str:
    tag, n = "$tsm_role$", 0
    while tag in statement:
        n += 1
        tag = f"$tsm_role{n}$"
    return tag


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _grantees(parts: list[str], words: list[str]) -> list[str]:
    """The roles a GRANT ... TO names (up to WITH or the end)."""
    if "TO" not in words:
        return []
    found = []
    for part, word in zip(parts[words.index("TO") + 1 :], words[words.index("TO") + 1 :], strict=True):
        if word in ("WITH", ";"):
            break
        if part != ",":
            found.append(unquote(part))
    return found


def idempotent_create(statement: str, name: str) -> str:
    """CREATE ROLE wrapped so that an existing role is kept (and then altered) instead of failing."""
    tag = _dollar_tag(statement)
    return (
        f"DO {tag}BEGIN {statement.strip()} EXCEPTION WHEN duplicate_object THEN "
        f"RAISE NOTICE 'role % exists already on the target: kept', {_literal(name)}; END{tag};"
    )


def tolerant(statement: str, what: str) -> str:
    """A role statement that the target may refuse (a role it did not create): a WARNING instead of an error."""
    tag = _dollar_tag(statement)
    return (
        f"DO {tag}BEGIN {statement.strip()} EXCEPTION WHEN insufficient_privilege THEN "
        f"RAISE WARNING 'not applied, % may not: %', current_user, {_literal(what)}; END{tag};"
    )


def filter_roles(script: str, reserved: Iterable[str]) -> RoleFilterResult:
    """Filter a roles-only dump for a non-superuser target; `reserved` roles are left untouched."""
    reserved_set = set(reserved)
    result = RoleFilterResult(text="")
    out: list[str] = []
    for statement in split_statements(script):
        kept = _filter_statement(statement, reserved_set, result)
        if kept is not None:
            out.append(kept if kept.endswith("\n") else kept + "\n")
    result.text = "".join(out)
    return result


def _filter_statement(statement: str, reserved: set[str], result: RoleFilterResult) -> str | None:
    parts = tokens(statement)
    words = [p.upper() for p in parts]
    if not parts or statement.startswith(("\\", "--")) or not statement.strip():
        return statement
    if words[:2] in (["CREATE", "ROLE"], ["ALTER", "ROLE"]) and len(parts) > 2:
        name = unquote(parts[2])
        verb = f"{words[0]} ROLE {parts[2]}"
        if name in reserved:
            result.dropped.append(f"{verb} (reserved on the target)")
            return None
        if words[0] == "CREATE":
            result.roles.append(name)
            result.statements.append((name, statement.strip(), verb))
            return idempotent_create(statement, name)
        if len(words) > 3 and words[3] == "WITH":
            kept = [p for i, p in enumerate(parts) if i < 4 or words[i] not in ROLE_ATTRIBUTES_REFUSED]
            removed = [words[i] for i in range(4, len(parts)) if words[i] in ROLE_ATTRIBUTES_REFUSED]
            if removed:
                result.changed.append(f"{verb}: removed {' '.join(removed)}")
            if kept[4:] in ([], [";"]):
                return None
            result.statements.append((name, _join(kept), verb))
            return tolerant(_join(kept), verb)
        result.statements.append((name, statement.strip(), verb))
        return tolerant(statement, verb)
    if words[:3] == ["COMMENT", "ON", "ROLE"] or (words[:2] == ["SECURITY", "LABEL"] and "ROLE" in words):
        name = unquote(parts[words.index("ROLE") + 1])
        if name in reserved:
            result.dropped.append(f"{words[0]} on role {parts[words.index('ROLE') + 1]} (reserved on the target)")
            return None
        what = f"{words[0]} ON ROLE {parts[words.index('ROLE') + 1]}"
        result.statements.append((name, statement.strip(), what))
        return tolerant(statement, what)
    if words[:1] == ["GRANT"]:
        if "GRANTED" in words:
            i = words.index("GRANTED")
            if words[i + 1 : i + 2] == ["BY"]:
                result.changed.append(f"GRANT: removed GRANTED BY {parts[i + 2]}")
                parts = parts[:i] + parts[i + 3 :]
        named = {unquote(p) for p in parts if p.startswith('"')}
        if named & reserved:
            result.dropped.append(f"GRANT naming {', '.join(sorted(named & reserved))} (reserved on the target)")
            return None
        what = " ".join(parts[:4])
        for member in _grantees(parts, [w.upper() for w in parts]):
            result.statements.append((member, _join(parts), what))
        return tolerant(_join(parts), what)
    return statement
