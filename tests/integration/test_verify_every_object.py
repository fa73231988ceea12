"""Every kind of object pg_dump carries, in every state the sample holds it, migrated once; then each kind dropped or
altered on the target, one at a time, and verify must name it (and pass again once the change is undone).

The sample (include/samples/every_object.sql and every_object_superuser.sql) goes from PostgreSQL 17 (pgvector,
the pg_attver column option of the build here) into PostgreSQL 18 with a superuser login (the superuser-only kinds
need one), through every phase's operator. A smaller module migration, PostgreSQL 15 into 18, checks that what
verification normalizes between major versions (NOT NULL rows, queries deparsed again by the target) still finds a
real difference.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import sql

from devtools.servers import REPO, Server, Servers
from tests.integration.conftest import Migration
from tests.integration.test_operators import phases
from tests.support.fakes import FakeTI
from timescale_migration.exceptions import VerificationError
from timescale_migration.operators import VerifyOperator

pytestmark = pytest.mark.integration

SAMPLES = REPO / "include" / "samples"
MAIN, SUPERUSER = SAMPLES / "every_object.sql", SAMPLES / "every_object_superuser.sql"


def drop_subscriptions(server: Server, dbname: str) -> None:
    """Drop the database's subscriptions (a database that has one cannot be dropped); they never connected."""
    with server.connect(dbname) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT s.subname FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid "
                "WHERE d.datname = current_database()"
            )
        ]
        for name in names:
            sub = sql.Identifier(name)
            conn.execute(sql.SQL("ALTER SUBSCRIPTION {} DISABLE").format(sub))
            conn.execute(sql.SQL("ALTER SUBSCRIPTION {} SET (slot_name = NONE)").format(sub))
            conn.execute(sql.SQL("DROP SUBSCRIPTION {}").format(sub))


def migrate_sample(
    servers: Servers, source: Server, target: Server, work_dir: Path, samples: tuple[Path, ...]
) -> Iterator[Migration]:
    """The samples loaded into a new source database and migrated through every phase into a new target database
    (superuser logins, plain format, the dump and the source's side kept for verify's reruns)."""
    unique = uuid.uuid4().hex[:8]
    src_db, tgt_db = f"every object src {unique}", f"every object tgt {unique}"
    source.create_database(src_db)
    target.create_database(tgt_db)
    try:
        for sample in samples:
            source.psql_file(src_db, sample)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("AIRFLOW_CONN_IT_SOURCE", source.conn_json(src_db))
            mp.setenv("AIRFLOW_CONN_IT_TARGET", target.conn_json(tgt_db))
            params = {
                "source_conn_id": "it_source",
                "target_conn_id": "it_target",
                "require_approval": False,
                "pg_bin_dir": servers.bin18_dir,
                "work_dir": str(work_dir),
                "dump_format": "plain",
                "jobs": 2,
                "keep_dump": True,
            }
            m = Migration(params, FakeTI(), source, target, src_db, tgt_db)
            for op in phases():
                m.run(op)
            yield m
    finally:
        for server, db in ((source, src_db), (target, tgt_db)):
            drop_subscriptions(server, db)
            server.drop_database(db)


@pytest.fixture(scope="module")
def every(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Migration]:
    """Both samples from PostgreSQL 17 into PostgreSQL 18, as superusers."""
    yield from migrate_sample(
        servers, servers.tsdb_source, servers.tsdb18_target, tmp_path_factory.mktemp("work"), (MAIN, SUPERUSER)
    )


@pytest.fixture(scope="module")
def from15(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Migration]:
    """The main sample from PostgreSQL 15 into PostgreSQL 18."""
    yield from migrate_sample(servers, servers.pg15, servers.tsdb18_target, tmp_path_factory.mktemp("work"), (MAIN,))


def verify_message(m: Migration) -> str:
    """Run verify again; '' when it passes, else its failure message."""
    try:
        m.run(VerifyOperator(task_id="verify"))
    except VerificationError as err:
        return str(err)
    return ""


def planted(m: Migration, plant: str, undo: str) -> str:
    """Verify's message with `plant` run on the target (in one session, which also runs `undo` afterwards:
    temporary tables it keeps in between are never seen by verification)."""
    with m.target.connect(m.tgt_db) as conn:
        conn.execute(plant)
        try:
            return verify_message(m)
        finally:
            conn.execute(undo)


def saved_view(name: str, replacement: str) -> tuple[str, str]:
    """A plant replacing view `name`'s query (kept in a temporary table) and its undo."""
    plant = (
        f"CREATE TEMP TABLE saved_view AS SELECT pg_get_viewdef('{name}'::regclass) AS query; "
        f"CREATE OR REPLACE VIEW {name} AS {replacement}"
    )
    undo = (
        f"DO $$BEGIN EXECUTE 'CREATE OR REPLACE VIEW {name} AS ' || (SELECT query FROM saved_view); END$$; "
        "DROP TABLE saved_view"
    )
    return plant, undo


def saved_function(signature: str, replacement: str) -> tuple[str, str]:
    """A plant replacing function `signature` (its definition kept in a temporary table) and its undo."""
    plant = (
        f"CREATE TEMP TABLE saved_function AS SELECT pg_get_functiondef('{signature}'::regprocedure) AS def; "
        f"{replacement}"
    )
    undo = "DO $$BEGIN EXECUTE (SELECT def FROM saved_function); END$$; DROP TABLE saved_function"
    return plant, undo


def saved_rows(table: str, where: str, change: str) -> tuple[str, str]:
    """A plant that keeps the rows of `table` matching `where`, then runs `change`; its undo puts them back."""
    plant = f"CREATE TEMP TABLE saved_rows AS SELECT * FROM ONLY {table} WHERE {where}; {change}"
    undo = (
        f"DELETE FROM ONLY {table} WHERE {where}; INSERT INTO {table} SELECT * FROM saved_rows; DROP TABLE saved_rows"
    )
    return plant, undo


VIEW_CHANGED = saved_view(
    "harbor.berths_per_port", "SELECT port, count(*) AS berths FROM harbor.berths WHERE depth_m > 9 GROUP BY port"
)
FUNCTION_CHANGED = saved_function(
    "harbor.fee_for(bigint,integer,numeric)",
    "CREATE OR REPLACE FUNCTION harbor.fee_for(tonnage bigint, nights integer DEFAULT 1, discount numeric DEFAULT 0) "
    "RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 5 AS $$ SELECT round(tonnage * 0.014, 2) $$",
)
STANDARD_BODY_CHANGED = saved_function(
    "harbor.berth_count(text)",
    "CREATE OR REPLACE FUNCTION harbor.berth_count(p_port text) RETURNS bigint LANGUAGE sql STABLE "
    "BEGIN ATOMIC SELECT count(*) FROM harbor.berths WHERE port <> p_port; END",
)
ROW_DELETED = saved_rows("harbor.tariffs_north_0", "item = 1", "DELETE FROM harbor.tariffs_north_0 WHERE item = 1")
# a publication FOR ALL TABLES publishes deletes: a table without replica identity takes none
ROW_ADDED = (
    "INSERT INTO harbor.hull_inspections (id, vessel_id, done_on) VALUES (99, 100, '2024-06-01')",
    "ALTER TABLE harbor.hull_inspections REPLICA IDENTITY FULL; "
    "DELETE FROM ONLY harbor.hull_inspections WHERE id = 99; "
    "ALTER TABLE harbor.hull_inspections REPLICA IDENTITY DEFAULT",
)
UNLOGGED_ROWS_DELETED = saved_rows(
    "harbor.ais_buffer", "mmsi = 211000001", "DELETE FROM harbor.ais_buffer WHERE mmsi = 211000001"
)
VECTOR_CHANGED = saved_rows(
    "engine.hull_shapes", "vessel_id = 105", "UPDATE engine.hull_shapes SET shape = '[0,0,0]' WHERE vessel_id = 105"
)
RANGE_OF_ENUM_CHANGED = saved_rows(
    "harbor.berth_bookings",
    "id = 1",
    "UPDATE harbor.berth_bookings SET kinds = harbor.kind_range('ferry', 'tug') WHERE id = 1",
)
SEQUENCE_MOVED = (
    "CREATE TEMP TABLE saved_seq AS SELECT last_value, is_called FROM harbor.voyage_numbers; "
    "SELECT setval('harbor.voyage_numbers', 5000)",
    "SELECT setval('harbor.voyage_numbers', last_value, is_called) FROM saved_seq; DROP TABLE saved_seq",
)

# (test id, plant on the target, undo, what verify must say)
PLANTS = [
    # relations: kind, persistence, populated, partitions, inheritance, identity, clustering, parameters, security
    (
        "unlogged table made logged",
        "ALTER TABLE harbor.ais_buffer SET LOGGED",
        "ALTER TABLE harbor.ais_buffer SET UNLOGGED",
        "tables harbor.ais_buffer: differs",
    ),
    (
        "materialized view populated on the target only",
        "REFRESH MATERIALIZED VIEW harbor.monthly_fees",
        "REFRESH MATERIALIZED VIEW harbor.monthly_fees WITH NO DATA",
        "tables harbor.monthly_fees: differs",
    ),
    (
        "populated materialized view emptied",
        "REFRESH MATERIALIZED VIEW harbor.kinds_in_service WITH NO DATA",
        "REFRESH MATERIALIZED VIEW harbor.kinds_in_service",
        "data harbor.kinds_in_service: missing on the target",
    ),
    (
        "materialized view with an index dropped",
        'DROP MATERIALIZED VIEW "Ledger & Audit"."Balances"',
        'CREATE MATERIALIZED VIEW "Ledger & Audit"."Balances" AS SELECT "Kind", sum(amount) AS balance '
        'FROM "Ledger & Audit"."Entries" GROUP BY 1 WITH NO DATA',
        'tables "Ledger & Audit"."Balances": missing on the target',
    ),
    ("view query", *VIEW_CHANGED, "view definitions harbor.berths_per_port: differs"),
    (
        "view check option",
        "ALTER VIEW harbor.active_vessels SET (check_option = cascaded)",
        "ALTER VIEW harbor.active_vessels SET (check_option = local)",
        "tables harbor.active_vessels: differs",
    ),
    (
        "view security_invoker",
        "ALTER VIEW harbor.berth_board RESET (security_invoker)",
        "ALTER VIEW harbor.berth_board SET (security_invoker = true)",
        "tables harbor.berth_board: differs",
    ),
    (
        "view column default",
        "ALTER VIEW harbor.active_vessels ALTER COLUMN kind DROP DEFAULT",
        "ALTER VIEW harbor.active_vessels ALTER COLUMN kind SET DEFAULT 'tanker'",
        "columns harbor.active_vessels.kind: differs",
    ),
    (
        "default partition detached",
        "ALTER TABLE harbor.tariffs DETACH PARTITION harbor.tariffs_other",
        "ALTER TABLE harbor.tariffs ATTACH PARTITION harbor.tariffs_other DEFAULT",
        "tables harbor.tariffs_other: differs",
    ),
    (
        "sub-partition detached",
        "ALTER TABLE harbor.tariffs_north DETACH PARTITION harbor.tariffs_north_1",
        "ALTER TABLE harbor.tariffs_north ATTACH PARTITION harbor.tariffs_north_1 "
        "FOR VALUES WITH (MODULUS 2, REMAINDER 1)",
        "tables harbor.tariffs_north_1: differs",
    ),
    (
        "inheritance parent added",
        "CREATE TABLE harbor.extra_parent (); ALTER TABLE harbor.combined_inspections INHERIT harbor.extra_parent",
        "ALTER TABLE harbor.combined_inspections NO INHERIT harbor.extra_parent; DROP TABLE harbor.extra_parent",
        "tables harbor.combined_inspections: differs",
    ),
    (
        "replica identity full",
        'ALTER TABLE "Ledger & Audit".changes REPLICA IDENTITY DEFAULT',
        'ALTER TABLE "Ledger & Audit".changes REPLICA IDENTITY FULL',
        '"Ledger & Audit".changes: differs',
    ),
    (
        "replica identity index",
        "ALTER TABLE harbor.vessels REPLICA IDENTITY DEFAULT",
        "ALTER TABLE harbor.vessels REPLICA IDENTITY USING INDEX vessels_imo_key",
        "tables harbor.vessels: differs",
    ),
    (
        "cluster on",
        "ALTER TABLE harbor.berth_bookings SET WITHOUT CLUSTER",
        "ALTER TABLE harbor.berth_bookings CLUSTER ON berth_bookings_pkey",
        "tables harbor.berth_bookings: differs",
    ),
    (
        "storage parameter",
        "ALTER TABLE harbor.ports RESET (fillfactor)",
        "ALTER TABLE harbor.ports SET (fillfactor = 90)",
        "tables harbor.ports: differs",
    ),
    (
        "toast storage parameter",
        "ALTER TABLE harbor.ports SET (toast.autovacuum_enabled = true)",
        "ALTER TABLE harbor.ports SET (toast.autovacuum_enabled = false)",
        "tables harbor.ports: differs",
    ),
    (
        "forced row security",
        "ALTER TABLE harbor.crew_members NO FORCE ROW LEVEL SECURITY",
        "ALTER TABLE harbor.crew_members FORCE ROW LEVEL SECURITY",
        "tables harbor.crew_members: differs",
    ),
    (
        "row security disabled",
        "ALTER TABLE harbor.crew_members DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE harbor.crew_members ENABLE ROW LEVEL SECURITY",
        "tables harbor.crew_members: differs",
    ),
    (
        "table access method",
        "ALTER TABLE engine.readings SET ACCESS METHOD heap",
        "ALTER TABLE engine.readings SET ACCESS METHOD engine_heap",
        "tables engine.readings: differs",
    ),
    (
        "foreign table options",
        "ALTER FOREIGN TABLE engine.remote_calls OPTIONS (SET table_name 'calls')",
        "ALTER FOREIGN TABLE engine.remote_calls OPTIONS (SET table_name 'port_calls')",
        "tables engine.remote_calls: differs",
    ),
    (
        "foreign table dropped",
        "DROP FOREIGN TABLE engine.archived",
        "CREATE FOREIGN TABLE engine.archived (entry text) SERVER engine_nowhere",
        "tables engine.archived: missing",
    ),
    (
        "typed table",
        "ALTER TABLE harbor.anchorages NOT OF",
        "ALTER TABLE harbor.anchorages OF harbor.coordinates",
        "tables harbor.anchorages: differs",
    ),
    (
        "partitioned index",
        "DROP INDEX harbor.port_calls_vessel_idx",
        "CREATE INDEX port_calls_vessel_idx ON harbor.port_calls (vessel_id, arrived_at DESC); "
        "COMMENT ON INDEX harbor.port_calls_vessel_idx IS 'partitioned index'",
        "indexes harbor.port_calls_vessel_idx: missing",
    ),
    (
        "unlogged sequence made logged",
        "ALTER SEQUENCE harbor.scratch_numbers SET LOGGED",
        "ALTER SEQUENCE harbor.scratch_numbers SET UNLOGGED",
        "tables harbor.scratch_numbers: differs",
    ),
    # columns
    (
        "identity kind",
        "ALTER TABLE harbor.berths ALTER COLUMN id SET GENERATED ALWAYS",
        "ALTER TABLE harbor.berths ALTER COLUMN id SET GENERATED BY DEFAULT",
        "columns harbor.berths.id: differs",
    ),
    (
        "generated column expression",
        "ALTER TABLE harbor.vessels ALTER COLUMN area_m2 SET EXPRESSION AS (length_m * beam_m * 1)",
        "ALTER TABLE harbor.vessels ALTER COLUMN area_m2 SET EXPRESSION AS (length_m * beam_m)",
        "columns harbor.vessels.area_m2: differs",
    ),
    (
        "column default",
        "ALTER TABLE harbor.crew_members ALTER COLUMN rank SET DEFAULT 'sailor'",
        "ALTER TABLE harbor.crew_members ALTER COLUMN rank SET DEFAULT 'deckhand'",
        "columns harbor.crew_members.rank: differs",
    ),
    (
        "column collation",
        'ALTER TABLE harbor.ports ALTER COLUMN name_ci TYPE text COLLATE "C"',
        "ALTER TABLE harbor.ports ALTER COLUMN name_ci TYPE text COLLATE harbor.nocase",
        "columns harbor.ports.name_ci: differs",
    ),
    (
        "column compression",
        "ALTER TABLE harbor.ports ALTER COLUMN remarks SET COMPRESSION pglz",
        "ALTER TABLE harbor.ports ALTER COLUMN remarks SET COMPRESSION lz4",
        "columns harbor.ports.remarks: differs",
    ),
    (
        "column storage",
        "ALTER TABLE harbor.ports ALTER COLUMN notes SET STORAGE EXTENDED",
        "ALTER TABLE harbor.ports ALTER COLUMN notes SET STORAGE EXTERNAL",
        "columns harbor.ports.notes: differs",
    ),
    (
        "column statistics target",
        "ALTER TABLE harbor.ports ALTER COLUMN country SET STATISTICS 100",
        "ALTER TABLE harbor.ports ALTER COLUMN country SET STATISTICS 500",
        "columns harbor.ports.country: differs",
    ),
    (
        "column option",
        "ALTER TABLE harbor.ports ALTER COLUMN name RESET (n_distinct)",
        "ALTER TABLE harbor.ports ALTER COLUMN name SET (n_distinct = -0.5)",
        "columns harbor.ports.name: differs",
    ),
    (
        "column not null",
        "ALTER TABLE harbor.berths ALTER COLUMN label DROP NOT NULL",
        "ALTER TABLE harbor.berths ALTER COLUMN label SET NOT NULL",
        "columns harbor.berths.label: differs",
    ),
    (
        "foreign table column option",
        "ALTER FOREIGN TABLE engine.remote_calls ALTER COLUMN id OPTIONS (DROP column_name)",
        "ALTER FOREIGN TABLE engine.remote_calls ALTER COLUMN id OPTIONS (ADD column_name 'call_id')",
        "columns engine.remote_calls.id: differs",
    ),
    (
        "composite type attribute",
        "ALTER TYPE harbor.berth_slot RENAME ATTRIBUTE berth TO berth_name",
        "ALTER TYPE harbor.berth_slot RENAME ATTRIBUTE berth_name TO berth",
        "columns harbor.berth_slot.berth: missing",
    ),
    # constraints and indexes
    (
        "check validated",
        "ALTER TABLE harbor.berths VALIDATE CONSTRAINT berths_depth_positive",
        "ALTER TABLE harbor.berths DROP CONSTRAINT berths_depth_positive; ALTER TABLE harbor.berths ADD CONSTRAINT "
        "berths_depth_positive CHECK (depth_m > 0) NOT VALID",
        "constraints harbor.berths.berths_depth_positive: differs",
    ),
    (
        "check not valid dropped",
        "ALTER TABLE harbor.vessels DROP CONSTRAINT vessels_beam_sane",
        "ALTER TABLE harbor.vessels ADD CONSTRAINT vessels_beam_sane CHECK (beam_m < length_m) NOT VALID",
        "constraints harbor.vessels.vessels_beam_sane: missing",
    ),
    (
        "foreign key not valid dropped",
        "ALTER TABLE harbor.crew_members DROP CONSTRAINT crew_members_nationality_fkey",
        "ALTER TABLE harbor.crew_members ADD CONSTRAINT crew_members_nationality_fkey FOREIGN KEY (nationality) "
        "REFERENCES harbor.countries NOT VALID",
        "constraints harbor.crew_members.crew_members_nationality_fkey: missing",
    ),
    (
        "deferrable foreign key",
        "ALTER TABLE harbor.berths ALTER CONSTRAINT berths_port_fkey NOT DEFERRABLE",
        "ALTER TABLE harbor.berths ALTER CONSTRAINT berths_port_fkey DEFERRABLE INITIALLY DEFERRED",
        "constraints harbor.berths.berths_port_fkey: differs",
    ),
    (
        "exclusion constraint",
        "ALTER TABLE harbor.berth_bookings DROP CONSTRAINT berth_bookings_no_overlap",
        "ALTER TABLE harbor.berth_bookings ADD CONSTRAINT berth_bookings_no_overlap EXCLUDE USING gist "
        "(berth_id WITH =, during WITH &&) DEFERRABLE INITIALLY IMMEDIATE; "
        "COMMENT ON CONSTRAINT berth_bookings_no_overlap ON harbor.berth_bookings IS 'one vessel per berth at a time'",
        "constraints harbor.berth_bookings.berth_bookings_no_overlap: missing",
    ),
    (
        "no inherit constraint",
        "ALTER TABLE harbor.inspections DROP CONSTRAINT inspections_parent_only",
        "ALTER TABLE harbor.inspections ADD CONSTRAINT inspections_parent_only CHECK (id > 0) NO INHERIT",
        "constraints harbor.inspections.inspections_parent_only: missing",
    ),
    (
        "foreign key to a partitioned table",
        "ALTER TABLE harbor.invoices DROP CONSTRAINT invoices_call_id_call_arrived_at_fkey",
        "ALTER TABLE harbor.invoices ADD CONSTRAINT "
        "invoices_call_id_call_arrived_at_fkey FOREIGN KEY (call_id, call_arrived_at) REFERENCES harbor.port_calls",
        "constraints harbor.invoices.invoices_call_id_call_arrived_at_fkey: missing",
    ),
    (
        "domain check",
        "ALTER DOMAIN harbor.imo_number DROP CONSTRAINT imo_number_range",
        "ALTER DOMAIN harbor.imo_number ADD CONSTRAINT imo_number_range CHECK (VALUE BETWEEN 1000000 AND 9999999)",
        "constraints harbor.imo_number.imo_number_range: missing",
    ),
    (
        "domain not null",
        "ALTER DOMAIN harbor.flag DROP NOT NULL",
        "ALTER DOMAIN harbor.flag SET NOT NULL",
        "types harbor.flag: differs",
    ),
    (
        "domain default",
        "ALTER DOMAIN harbor.tonnage SET DEFAULT 1",
        "ALTER DOMAIN harbor.tonnage SET DEFAULT 0",
        "types harbor.tonnage: differs",
    ),
    (
        "index dropped",
        "DROP INDEX harbor.vessels_name_trgm",
        "CREATE INDEX vessels_name_trgm ON harbor.vessels USING gin (name ext.gin_trgm_ops)",
        "indexes harbor.vessels_name_trgm: missing",
    ),
    (
        "index storage parameter",
        "ALTER INDEX harbor.vessels_tonnage_desc SET (fillfactor = 50)",
        "ALTER INDEX harbor.vessels_tonnage_desc SET (fillfactor = 70)",
        "indexes harbor.vessels_tonnage_desc: differs",
    ),
    (
        "index of one partition",
        "DROP INDEX harbor.port_calls_2024_01_big_fees",
        "CREATE INDEX port_calls_2024_01_big_fees ON harbor.port_calls_2024_01 (fee) WHERE fee > 1000",
        "indexes harbor.port_calls_2024_01_big_fees: missing",
    ),
    (
        "index of a materialized view",
        "DROP INDEX harbor.monthly_fees_month",
        "CREATE INDEX monthly_fees_month ON harbor.monthly_fees (month)",
        "indexes harbor.monthly_fees_month: missing",
    ),
    (
        "extension's index (pgvector hnsw)",
        "ALTER INDEX engine.hull_shapes_hnsw SET (ef_construction = 64)",
        "ALTER INDEX engine.hull_shapes_hnsw SET (ef_construction = 32)",
        "indexes engine.hull_shapes_hnsw: differs",
    ),
    # types
    (
        "enum label",
        "ALTER TYPE harbor.vessel_kind RENAME VALUE 'tug' TO 'tugboat'",
        "ALTER TYPE harbor.vessel_kind RENAME VALUE 'tugboat' TO 'tug'",
        "types harbor.vessel_kind: differs",
    ),
    (
        "empty enum",
        "ALTER TYPE harbor.not_yet_used RENAME TO not_used_yet",
        "ALTER TYPE harbor.not_used_yet RENAME TO not_yet_used",
        "types harbor.not_yet_used: missing",
    ),
    (
        "range type",
        "ALTER TYPE harbor.code_range RENAME TO code_span",
        "ALTER TYPE harbor.code_span RENAME TO code_range",
        "types harbor.code_range: missing",
    ),
    (
        "multirange type",
        "ALTER TYPE harbor.tide_ranges RENAME TO tide_spans",
        "ALTER TYPE harbor.tide_spans RENAME TO tide_ranges",
        "types harbor.tide_ranges: missing",
    ),
    (
        "base type",
        "ALTER TYPE engine.celsius SET (RECEIVE = NONE)",
        "ALTER TYPE engine.celsius SET (RECEIVE = engine.celsius_recv)",
        "types engine.celsius: differs",
    ),
    # routines, operators, casts, collations, conversions, text search, statistics
    ("function body", *FUNCTION_CHANGED, "functions harbor.fee_for(bigint,integer,numeric): differs"),
    ("SQL-standard function body", *STANDARD_BODY_CHANGED, "functions harbor.berth_count(text): differs"),
    (
        "function setting",
        "ALTER FUNCTION harbor.audited_now() RESET work_mem",
        "ALTER FUNCTION harbor.audited_now() SET work_mem = '8MB'",
        "functions harbor.audited_now(): differs",
    ),
    (
        "function volatility",
        "ALTER FUNCTION harbor.largest(numeric[]) STABLE",
        "ALTER FUNCTION harbor.largest(numeric[]) IMMUTABLE",
        "functions harbor.largest(numeric[]): differs",
    ),
    (
        "procedure",
        "ALTER PROCEDURE harbor.retire_vessel(bigint, integer) SET search_path = pg_catalog",
        "ALTER PROCEDURE harbor.retire_vessel(bigint, integer) RESET search_path",
        "functions harbor.retire_vessel(bigint,integer): differs",
    ),
    (
        "function in language internal",
        "ALTER FUNCTION engine.add_ints(integer, integer) VOLATILE",
        "ALTER FUNCTION engine.add_ints(integer, integer) IMMUTABLE",
        "functions engine.add_ints(integer,integer): differs",
    ),
    (
        "leakproof function",
        "ALTER FUNCTION engine.same_text(text, text) NOT LEAKPROOF",
        "ALTER FUNCTION engine.same_text(text, text) LEAKPROOF",
        "functions engine.same_text(text,text): differs",
    ),
    (
        "aggregate",
        "DROP AGGREGATE harbor.highest_fee(numeric); CREATE AGGREGATE harbor.highest_fee(numeric) "
        "(SFUNC = numeric_larger, STYPE = numeric)",
        "DROP AGGREGATE harbor.highest_fee(numeric); CREATE AGGREGATE "
        "harbor.highest_fee(numeric) (SFUNC = numeric_larger, STYPE = numeric, SORTOP = >)",
        "aggregates harbor.highest_fee(numeric): differs",
    ),
    (
        "ordered-set aggregate",
        "ALTER AGGREGATE harbor.nth_value_of(integer ORDER BY double precision) RENAME TO nth_of",
        "ALTER AGGREGATE harbor.nth_of(integer ORDER BY double precision) RENAME TO nth_value_of",
        "aggregates harbor.nth_value_of(integer,double precision): missing",
    ),
    (
        "operator",
        "ALTER OPERATOR harbor.=== (harbor.coordinates, harbor.coordinates) SET (RESTRICT = NONE)",
        "ALTER OPERATOR harbor.=== (harbor.coordinates, harbor.coordinates) SET (RESTRICT = eqsel)",
        "operators harbor.===(harbor.coordinates,harbor.coordinates): differs",
    ),
    (
        "operator class",
        "ALTER OPERATOR CLASS engine.celsius_hash_ops USING hash RENAME TO celsius_hashing",
        "ALTER OPERATOR CLASS engine.celsius_hashing USING hash RENAME TO celsius_hash_ops",
        "operator classes engine.celsius_hash_ops using hash: missing",
    ),
    (
        "operator family",
        "ALTER OPERATOR FAMILY engine.reverse_order USING btree DROP OPERATOR 3 (integer, bigint)",
        "ALTER OPERATOR FAMILY engine.reverse_order USING btree ADD OPERATOR 3 = (integer, bigint)",
        "operator families engine.reverse_order using btree: differs",
    ),
    (
        "cast",
        "DROP CAST (harbor.berth_slot AS text)",
        "CREATE CAST (harbor.berth_slot AS text) WITH INOUT AS IMPLICIT",
        "casts (harbor.berth_slot AS text): missing",
    ),
    (
        "binary-coercible cast",
        "DROP CAST (integer AS engine.celsius)",
        "CREATE CAST (integer AS engine.celsius) WITHOUT FUNCTION AS ASSIGNMENT",
        "casts (integer AS engine.celsius): missing",
    ),
    (
        "collation",
        "DROP COLLATION harbor.posix_copy",
        'CREATE COLLATION harbor.posix_copy FROM "POSIX"',
        "collations harbor.posix_copy: missing",
    ),
    (
        "conversion",
        "ALTER CONVERSION harbor.latin9_to_utf8 RENAME TO latin9_utf8",
        "ALTER CONVERSION harbor.latin9_utf8 RENAME TO latin9_to_utf8",
        "conversions harbor.latin9_to_utf8: missing",
    ),
    (
        "text search configuration",
        "ALTER TEXT SEARCH CONFIGURATION harbor.shipping DROP MAPPING FOR numword",
        "ALTER TEXT SEARCH CONFIGURATION harbor.shipping ADD MAPPING FOR numword WITH harbor.harbor_simple",
        "text search configuration harbor.shipping: differs",
    ),
    (
        "text search dictionary",
        "ALTER TEXT SEARCH DICTIONARY harbor.harbor_simple (ACCEPT = true)",
        "ALTER TEXT SEARCH DICTIONARY harbor.harbor_simple (ACCEPT = false)",
        "text search dictionary harbor.harbor_simple: differs",
    ),
    (
        "text search parser",
        "ALTER TEXT SEARCH PARSER engine.plain_parser RENAME TO plainer",
        "ALTER TEXT SEARCH PARSER engine.plainer RENAME TO plain_parser",
        "text search parser engine.plain_parser: missing",
    ),
    (
        "text search template",
        "ALTER TEXT SEARCH TEMPLATE engine.plain_template RENAME TO plainer",
        "ALTER TEXT SEARCH TEMPLATE engine.plainer RENAME TO plain_template",
        "text search template engine.plain_template: missing",
    ),
    (
        "extended statistics target",
        "ALTER STATISTICS harbor.vessels_dimensions SET STATISTICS 100",
        "ALTER STATISTICS harbor.vessels_dimensions SET STATISTICS 300",
        "statistics harbor.vessels_dimensions: differs",
    ),
    (
        "extended statistics dropped",
        "DROP STATISTICS harbor.vessels_kind_port",
        "CREATE STATISTICS harbor.vessels_kind_port (mcv) ON kind, home_port FROM harbor.vessels; "
        "COMMENT ON STATISTICS harbor.vessels_kind_port IS 'kinds per home port'",
        "statistics harbor.vessels_kind_port: missing",
    ),
    # triggers, rules, event triggers, policies, comments
    (
        "trigger disabled",
        "ALTER TABLE harbor.vessels DISABLE TRIGGER vessels_trim",
        "ALTER TABLE harbor.vessels ENABLE TRIGGER vessels_trim",
        "triggers harbor.vessels.vessels_trim: differs",
    ),
    (
        "disabled trigger enabled",
        "ALTER TABLE harbor.berths ENABLE TRIGGER berths_disabled",
        "ALTER TABLE harbor.berths DISABLE TRIGGER berths_disabled",
        "triggers harbor.berths.berths_disabled: differs",
    ),
    (
        "replica trigger",
        "ALTER TABLE harbor.berths ENABLE TRIGGER berths_replica",
        "ALTER TABLE harbor.berths ENABLE REPLICA TRIGGER berths_replica",
        "triggers harbor.berths.berths_replica: differs",
    ),
    (
        "always trigger",
        "ALTER TABLE harbor.berths ENABLE TRIGGER berths_always",
        "ALTER TABLE harbor.berths ENABLE ALWAYS TRIGGER berths_always",
        "triggers harbor.berths.berths_always: differs",
    ),
    (
        "statement trigger with transition table",
        "DROP TRIGGER vessels_new_rows ON harbor.vessels",
        "CREATE TRIGGER vessels_new_rows AFTER INSERT ON harbor.vessels REFERENCING NEW TABLE AS fresh "
        "FOR EACH STATEMENT EXECUTE FUNCTION harbor.count_new_rows()",
        "triggers harbor.vessels.vessels_new_rows: missing",
    ),
    (
        "constraint trigger",
        "DROP TRIGGER bookings_sane ON harbor.berth_bookings",
        "CREATE CONSTRAINT TRIGGER bookings_sane AFTER INSERT OR UPDATE ON harbor.berth_bookings DEFERRABLE INITIALLY "
        "DEFERRED FOR EACH ROW EXECUTE FUNCTION harbor.booking_sane()",
        "triggers harbor.berth_bookings.bookings_sane: missing",
    ),
    (
        "instead of trigger",
        "DROP TRIGGER berth_board_insert ON harbor.berth_board",
        "CREATE TRIGGER berth_board_insert INSTEAD OF INSERT ON harbor.berth_board FOR EACH ROW EXECUTE FUNCTION "
        "harbor.board_insert()",
        "triggers harbor.berth_board.berth_board_insert: missing",
    ),
    (
        "trigger on a partitioned table",
        "DROP TRIGGER port_calls_logged ON harbor.port_calls",
        "CREATE TRIGGER port_calls_logged AFTER DELETE ON harbor.port_calls FOR EACH ROW EXECUTE FUNCTION "
        "harbor.log_change()",
        "triggers harbor.port_calls.port_calls_logged: missing",
    ),
    (
        "disabled rule enabled",
        'ALTER TABLE "Ledger & Audit".changes ENABLE RULE changes_notify',
        'ALTER TABLE "Ledger & Audit".changes DISABLE RULE changes_notify',
        '"Ledger & Audit".changes.changes_notify: differs',
    ),
    (
        "replica rule",
        'ALTER TABLE "Ledger & Audit".changes ENABLE RULE changes_replica',
        'ALTER TABLE "Ledger & Audit".changes ENABLE REPLICA RULE changes_replica',
        '"Ledger & Audit".changes.changes_replica: differs',
    ),
    (
        "instead rule",
        'DROP RULE entries_no_delete ON "Ledger & Audit"."Entries"',
        'CREATE RULE entries_no_delete AS ON DELETE TO "Ledger & Audit"."Entries" DO INSTEAD NOTHING; '
        'COMMENT ON RULE entries_no_delete ON "Ledger & Audit"."Entries" IS \'entries are never deleted\'',
        '"Ledger & Audit"."Entries".entries_no_delete: missing',
    ),
    (
        "rule on a view",
        "DROP RULE berths_per_port_insert ON harbor.berths_per_port",
        "CREATE RULE berths_per_port_insert AS ON INSERT TO harbor.berths_per_port DO INSTEAD INSERT INTO "
        "harbor.berths "
        "(port, label) VALUES (NEW.port, 'auto ' || NEW.berths)",
        "rules harbor.berths_per_port.berths_per_port_insert: missing",
    ),
    (
        "event trigger",
        "ALTER EVENT TRIGGER engine_drops ENABLE",
        "ALTER EVENT TRIGGER engine_drops DISABLE",
        "event triggers engine_drops: differs",
    ),
    (
        "policy",
        "ALTER POLICY crew_auditor_all ON harbor.crew_members USING (true)",
        "ALTER POLICY crew_auditor_all ON harbor.crew_members USING (rank <> 'captain')",
        "policies harbor.crew_members.crew_auditor_all: differs",
    ),
    (
        "comment",
        "COMMENT ON TABLE harbor.ports IS 'changed'",
        "COMMENT ON TABLE harbor.ports IS 'every port a vessel may call at'",
        "comments table harbor.ports: differs",
    ),
    (
        "comment on a large object",
        "COMMENT ON LARGE OBJECT 880001 IS NULL",
        "COMMENT ON LARGE OBJECT 880001 IS 'a cargo manifest'",
        "comments large object 880001: missing",
    ),
    # sequences
    (
        "sequence definition",
        "ALTER SEQUENCE harbor.countdown NO CYCLE",
        "ALTER SEQUENCE harbor.countdown CYCLE",
        "sequence definitions harbor.countdown: differs",
    ),
    (
        "sequence owned by",
        "ALTER SEQUENCE harbor.invoice_numbers OWNED BY NONE",
        "ALTER SEQUENCE harbor.invoice_numbers OWNED BY harbor.invoices.id",
        "sequence definitions harbor.invoice_numbers: differs",
    ),
    ("sequence value", *SEQUENCE_MOVED, "sequences harbor.voyage_numbers: source"),
    # data
    ("row of a sub-partition", *ROW_DELETED, "data harbor.tariffs_north_0: source 53 rows, target 52 rows"),
    ("row of an inheritance child", *ROW_ADDED, "data harbor.hull_inspections: source 40 rows, target 41 rows"),
    ("rows of an unlogged table", *UNLOGGED_ROWS_DELETED, "data harbor.ais_buffer: source 1000 rows"),
    ("value of a range over an enum", *RANGE_OF_ENUM_CHANGED, "data harbor.berth_bookings: same 1500 rows but"),
    ("value of an extension's type (pgvector)", *VECTOR_CHANGED, "data engine.hull_shapes: same 300 rows but"),
    (
        "large object content",
        "SELECT lo_put(880003, 0, '\\xff')",
        "SELECT lo_put(880003, 0, '\\x00')",
        "large objects pg_largeobject: source 3 object(s), target 3, contents differ",
    ),
    # foreign data, publications, subscriptions, languages, access methods, transforms
    (
        "foreign server options",
        "ALTER SERVER engine_remote OPTIONS (SET fetch_size '100')",
        "ALTER SERVER engine_remote OPTIONS (SET fetch_size '500')",
        "foreign data server engine_remote: differs",
    ),
    (
        "foreign-data wrapper options",
        "ALTER FOREIGN DATA WRAPPER engine_null_wrapper OPTIONS (SET purpose 'x')",
        "ALTER FOREIGN DATA WRAPPER engine_null_wrapper OPTIONS (SET purpose 'never read')",
        "foreign data wrapper engine_null_wrapper: differs",
    ),
    (
        "user mapping options",
        "ALTER USER MAPPING FOR PUBLIC SERVER engine_remote OPTIONS (SET user 'writer')",
        "ALTER USER MAPPING FOR PUBLIC SERVER engine_remote OPTIONS (SET user 'reader')",
        "foreign data user mapping for public server engine_remote: differs",
    ),
    (
        "publication tables",
        "ALTER PUBLICATION tsm_eo_calls DROP TABLE harbor.countries",
        "ALTER PUBLICATION tsm_eo_calls ADD TABLE harbor.countries",
        "publications tsm_eo_calls: differs",
    ),
    (
        "publication row filter",
        "ALTER PUBLICATION tsm_eo_calls SET TABLE harbor.port_calls (id, vessel_id, port, "
        "arrived_at) WHERE (fee > 1), TABLE harbor.countries",
        "ALTER PUBLICATION tsm_eo_calls SET TABLE "
        "harbor.port_calls (id, vessel_id, port, arrived_at) WHERE (fee > 0), TABLE harbor.countries",
        "publications tsm_eo_calls: differs",
    ),
    (
        "publication for tables in schema",
        "ALTER PUBLICATION tsm_eo_engine DROP TABLES IN SCHEMA engine",
        "ALTER PUBLICATION tsm_eo_engine ADD TABLES IN SCHEMA engine",
        "publications tsm_eo_engine: differs",
    ),
    (
        "subscription",
        "ALTER SUBSCRIPTION tsm_eo_inbox SET PUBLICATION elsewhere WITH (refresh = false)",
        "ALTER SUBSCRIPTION tsm_eo_inbox SET PUBLICATION upstream WITH (refresh = false)",
        "subscriptions tsm_eo_inbox: differs",
    ),
    (
        "procedural language",
        "ALTER LANGUAGE plharbor RENAME TO plharbour",
        "ALTER LANGUAGE plharbour RENAME TO plharbor",
        "language plharbor: missing",
    ),
    (
        "index access method",
        "DROP ACCESS METHOD engine_btree",
        "CREATE ACCESS METHOD engine_btree TYPE INDEX HANDLER bthandler",
        "access method engine_btree: missing",
    ),
    (
        "transform",
        "DROP TRANSFORM FOR engine.celsius LANGUAGE plharbor",
        "CREATE TRANSFORM FOR engine.celsius LANGUAGE plharbor (FROM SQL WITH FUNCTION "
        "engine.celsius_from_sql(internal), "
        "TO SQL WITH FUNCTION engine.celsius_to_sql(internal)); COMMENT ON TRANSFORM FOR engine.celsius LANGUAGE "
        "plharbor "
        "IS 'never used by plharbor'",
        "transform for engine.celsius language plharbor: missing",
    ),
]


def test_untouched_every_object_migration_passes(every):
    """PostgreSQL 17 into 18: every kind in every state arrives and verifies (the sample's rows all compared)."""
    assert verify_message(every) == ""
    summary = every.ti.xcoms["verify"]
    assert summary["differences"] == [] and summary["tables"] >= 30 and summary["rows"] > 6000, summary
    assert summary["structure_items"] > 700, summary["structure_items"]


@pytest.mark.parametrize(("plant", "undo", "expected"), [p[1:] for p in PLANTS], ids=[p[0] for p in PLANTS])
def test_kind_dropped_or_altered_on_the_target_is_named(every, plant, undo, expected):
    """One kind dropped or altered on the target: verify fails naming it."""
    message = planted(every, plant, undo)
    assert expected in message, message[:3000]


def test_every_plant_was_undone(every):
    """The plants above left nothing behind (else a later plant's message would be another's)."""
    assert verify_message(every) == ""


FROM15 = [
    ("view query, deparsed again", *VIEW_CHANGED, "view definitions harbor.berths_per_port: differs"),
    ("SQL-standard body, deparsed again", *STANDARD_BODY_CHANGED, "functions harbor.berth_count(text): differs"),
    (
        "domain NOT NULL (no constraint row on 15)",
        "ALTER DOMAIN harbor.flag DROP NOT NULL",
        "ALTER DOMAIN harbor.flag SET NOT NULL",
        "types harbor.flag: differs",
    ),
    (
        "column NOT NULL (no constraint row on 15)",
        "ALTER TABLE harbor.berths ALTER COLUMN label DROP NOT NULL",
        "ALTER TABLE harbor.berths ALTER COLUMN label SET NOT NULL",
        "columns harbor.berths.label: differs",
    ),
]


def test_untouched_migration_from_15_passes(from15):
    """PostgreSQL 15 into 18: NOT NULL domains and columns (constraint rows on 18 only) and view queries that print
    differently verify as the same."""
    assert verify_message(from15) == ""


@pytest.mark.parametrize(("plant", "undo", "expected"), [p[1:] for p in FROM15], ids=[p[0] for p in FROM15])
def test_normalized_kinds_still_differ_when_changed(from15, plant, undo, expected):
    """What is normalized between 15 and 18 is still a difference when it changes on the target."""
    message = planted(from15, plant, undo)
    assert expected in message, message[:3000]
