-- =============================================================================
-- every_object.sql -- every kind of object pg_dump carries, in the states real
-- databases hold them: the part a target login without superuser (tsdbadmin on
-- Timescale) can create. every_object_superuser.sql adds the kinds only a
-- superuser may create; load it after this file, into the same database.
-- =============================================================================
-- Written for this project from the PostgreSQL documentation (a harbour: ports,
-- berths, vessels, port calls). Loads on PostgreSQL 15, 16, 17 and 18; what a
-- version adds is loaded only there (psql \if on the server's version):
--   16+  SQL/JSON predicates and constructors in a view
--   17+  an identity column on a partitioned table, JSON_TABLE in a view
--   18+  virtual generated columns, NOT ENFORCED constraints, WITHOUT OVERLAPS
--        and PERIOD keys, named and NOT VALID / NO INHERIT NOT NULL constraints
-- Load into a fresh database as a superuser (or a database owner):
--     psql -X -v ON_ERROR_STOP=1 -d <db> -f every_object.sql
-- Roles are cluster-wide and created idempotently (tsm_eo_*). Data is
-- deterministic (generate_series, no random()); about 6,000 rows.
--
-- Kinds and states (the comment before each part names them):
--   schemas; extensions (trusted: citext, hstore, btree_gist, pg_trgm) in a
--   schema of their own; collations (ICU deterministic and not, libc);
--   enums (values added before/after, renamed, an empty enum); domains (CHECK,
--   NOT NULL, DEFAULT, COLLATE, over a domain, over an array, NOT VALID
--   constraint); composite types (nested, arrays of them, a typed table);
--   range and multirange types (subtype_diff, collation, over an enum, named
--   multirange); sequences (owned by a column, standalone, cycling, descending,
--   never called, unlogged); tables with identity (always / by default, with
--   options) and stored generated columns, column collations, compression,
--   storage, statistics targets and attribute options, storage parameters of a
--   table and its TOAST table; unlogged tables; constraints (primary, unique
--   NULLS NOT DISTINCT, deferrable, exclusion, check and foreign keys NOT VALID,
--   NO INHERIT, ON DELETE SET NULL (column), MATCH FULL); indexes (btree,
--   hash, gist, spgist, gin, brin; partial, expression, covering, opclass,
--   collation, DESC NULLS FIRST, storage parameters); table inheritance
--   (multiple); partitioned tables (range with a default partition, list with
--   hash sub-partitions, a partitioned index, an index of one partition only, a
--   foreign key to a partitioned table, triggers on a partitioned table);
--   views (check options, security_barrier, security_invoker, recursive,
--   column default, INSTEAD rules and an INSTEAD OF trigger); materialized
--   views populated and not, with and without indexes; rules (also, instead,
--   instead nothing, disabled, ENABLE REPLICA, ENABLE ALWAYS); triggers (row
--   and statement, before/after/instead of/truncate, WHEN, UPDATE OF,
--   transition tables, constraint triggers, disabled, REPLICA, ALWAYS);
--   functions (plpgsql, sql, SQL-standard bodies, defaults, variadic, OUT,
--   RETURNS TABLE, SETOF with ROWS, SECURITY DEFINER with SET, PARALLEL, COST,
--   overloads), procedures (plpgsql, SQL-standard); aggregates (combine,
--   moving, final function, sort operator, ordered-set); operators (binary,
--   prefix, commutator, negator, selectivity); casts (WITH FUNCTION, WITH
--   INOUT; implicit, assignment, explicit); conversions; text search
--   dictionaries (snowball, synonym file, simple) and a configuration with
--   altered and dropped mappings; extended statistics (ndistinct,
--   dependencies, mcv, expressions, statistics target); row-level security
--   (enabled, forced, permissive and restrictive policies per command);
--   replica identity (index, full, nothing) and CLUSTER ON; publications
--   (table with column list and row filter); comments on every kind that takes
--   one; large objects (empty, multi-page, with comments).
-- Security labels need a label provider loaded in the server (none here).
-- =============================================================================

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

SELECT current_setting('server_version_num')::int >= 160000 AS pg16,
       current_setting('server_version_num')::int >= 170000 AS pg17,
       current_setting('server_version_num')::int >= 180000 AS pg18 \gset

-- -----------------------------------------------------------------------------
-- Roles named by policies (cluster-wide: created once)
-- -----------------------------------------------------------------------------
DO $roles$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['tsm_eo_clerk', 'tsm_eo_auditor'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        END IF;
    END LOOP;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$roles$;

-- -----------------------------------------------------------------------------
-- Schemas, trusted extensions in a schema of their own
-- -----------------------------------------------------------------------------
CREATE SCHEMA harbor;
CREATE SCHEMA "Ledger & Audit";
CREATE SCHEMA ext;
COMMENT ON SCHEMA harbor IS 'Ports, berths, vessels and their calls';
COMMENT ON SCHEMA "Ledger & Audit" IS 'Append-only records';

CREATE EXTENSION citext SCHEMA ext;
CREATE EXTENSION hstore SCHEMA ext;
CREATE EXTENSION btree_gist SCHEMA ext;
CREATE EXTENSION pg_trgm SCHEMA ext;

SET search_path = harbor, ext, public;

-- -----------------------------------------------------------------------------
-- Collations: ICU deterministic and nondeterministic, libc
-- -----------------------------------------------------------------------------
CREATE COLLATION harbor.nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE COLLATION harbor.phonebook (provider = icu, locale = 'de-u-co-phonebk');
CREATE COLLATION harbor.bytewise (provider = libc, locale = 'C');
CREATE COLLATION harbor.posix_copy FROM "POSIX";
COMMENT ON COLLATION harbor.nocase IS 'case-insensitive comparisons';

-- -----------------------------------------------------------------------------
-- Enums: values added later (before, after, at the end), a renamed value, an empty enum
-- -----------------------------------------------------------------------------
CREATE TYPE harbor.vessel_kind AS ENUM ('tanker', 'container', 'bulk');
ALTER TYPE harbor.vessel_kind ADD VALUE 'ro-ro' AFTER 'container';
ALTER TYPE harbor.vessel_kind ADD VALUE 'ferry' BEFORE 'tanker';
ALTER TYPE harbor.vessel_kind ADD VALUE IF NOT EXISTS 'tug';
ALTER TYPE harbor.vessel_kind RENAME VALUE 'bulk' TO 'bulk carrier';
CREATE TYPE harbor.not_yet_used AS ENUM ();
CREATE TYPE "Ledger & Audit"."Entry Kind" AS ENUM ('debit', 'credit', 'Correction "manual"');
COMMENT ON TYPE harbor.vessel_kind IS 'what a vessel carries';

-- -----------------------------------------------------------------------------
-- Domains: CHECK, NOT NULL (named and not), DEFAULT, COLLATE, over a domain, over an
-- array, a constraint added NOT VALID
-- -----------------------------------------------------------------------------
CREATE DOMAIN harbor.imo_number AS integer
    CONSTRAINT imo_number_range CHECK (VALUE BETWEEN 1000000 AND 9999999);
CREATE DOMAIN harbor.flag AS boolean NOT NULL DEFAULT false;
CREATE DOMAIN harbor.port_code AS text COLLATE "C"
    CONSTRAINT port_code_nn NOT NULL
    CONSTRAINT port_code_shape CHECK (VALUE ~ '^[A-Z]{5}$');
CREATE DOMAIN harbor.short_port AS harbor.port_code CHECK (length(VALUE) = 5);
CREATE DOMAIN harbor.draughts AS numeric(4,1)[] CHECK (array_length(VALUE, 1) <= 4);
CREATE DOMAIN harbor.tonnage AS bigint DEFAULT 0;
CREATE DOMAIN harbor.country AS char(2) COLLATE "C" CHECK (VALUE ~ '^[A-Z]{2}$');
COMMENT ON DOMAIN harbor.flag IS 'a boolean that is never NULL';
COMMENT ON CONSTRAINT port_code_shape ON DOMAIN harbor.port_code IS 'UN/LOCODE shape';

-- -----------------------------------------------------------------------------
-- Composite types (nested; arrays of them in columns), range and multirange types
-- -----------------------------------------------------------------------------
CREATE TYPE harbor.coordinates AS (lat double precision, lon double precision);
CREATE TYPE harbor.berth_slot AS (berth text COLLATE "C", at harbor.coordinates, slot tstzrange);
COMMENT ON TYPE harbor.coordinates IS 'WGS 84 degrees';
COMMENT ON COLUMN harbor.coordinates.lat IS 'latitude';

CREATE FUNCTION harbor.float8_diff(a double precision, b double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT AS 'SELECT a - b';
CREATE TYPE harbor.floatrange AS RANGE (subtype = double precision, subtype_diff = harbor.float8_diff);
CREATE TYPE harbor.tide_range AS RANGE (subtype = numeric, multirange_type_name = harbor.tide_ranges);
CREATE TYPE harbor.kind_range AS RANGE (subtype = harbor.vessel_kind);
CREATE TYPE harbor.code_range AS RANGE (subtype = text, collation = "C");
COMMENT ON TYPE harbor.tide_range IS 'metres above chart datum';

-- -----------------------------------------------------------------------------
-- Text search: dictionaries (snowball with stop words, a synonym file, simple) and a
-- configuration copied from english with altered and dropped mappings
-- -----------------------------------------------------------------------------
CREATE TEXT SEARCH DICTIONARY harbor.harbor_stem (TEMPLATE = pg_catalog.snowball, Language = english,
                                                   StopWords = english);
CREATE TEXT SEARCH DICTIONARY harbor.harbor_synonyms (TEMPLATE = pg_catalog.synonym, SYNONYMS = synonym_sample);
CREATE TEXT SEARCH DICTIONARY harbor.harbor_simple (TEMPLATE = pg_catalog.simple, STOPWORDS = english,
                                                    ACCEPT = false);
CREATE TEXT SEARCH CONFIGURATION harbor.shipping (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION harbor.shipping
    ALTER MAPPING FOR asciiword, word WITH harbor.harbor_synonyms, harbor.harbor_stem;
ALTER TEXT SEARCH CONFIGURATION harbor.shipping ALTER MAPPING FOR numword WITH harbor.harbor_simple;
ALTER TEXT SEARCH CONFIGURATION harbor.shipping DROP MAPPING FOR email, url, url_path;
COMMENT ON TEXT SEARCH CONFIGURATION harbor.shipping IS 'vessel names';
COMMENT ON TEXT SEARCH DICTIONARY harbor.harbor_synonyms IS 'from the server''s synonym_sample file';

-- -----------------------------------------------------------------------------
-- Sequences: standalone (typed, bounded, cycling, descending, never called, unlogged)
-- -----------------------------------------------------------------------------
CREATE SEQUENCE harbor.voyage_numbers AS integer START 1000 INCREMENT 7 MINVALUE 1000 MAXVALUE 999999 CACHE 5;
CREATE SEQUENCE harbor.countdown INCREMENT -1 MINVALUE -100 MAXVALUE 100 START 100 CYCLE;
CREATE SEQUENCE harbor.never_called AS smallint;
CREATE UNLOGGED SEQUENCE harbor.scratch_numbers;
CREATE SEQUENCE harbor.invoice_numbers START 500;
SELECT setval('harbor.voyage_numbers', 1343);
SELECT setval('harbor.countdown', -98);
SELECT setval('harbor.scratch_numbers', 77, false);
COMMENT ON SEQUENCE harbor.countdown IS 'cycles between -100 and 100';

-- -----------------------------------------------------------------------------
-- Functions: sql, plpgsql, SQL-standard body, defaults, variadic, OUT, RETURNS TABLE,
-- SETOF with ROWS, SECURITY DEFINER with SET, PARALLEL, COST, STRICT, overloads
-- -----------------------------------------------------------------------------
CREATE FUNCTION harbor.fee_for(tonnage bigint, nights integer DEFAULT 1, discount numeric DEFAULT 0)
    RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 5
    AS $$ SELECT round(tonnage * 0.013 * nights * (1 - discount), 2) $$;
CREATE FUNCTION harbor.fee_for(tonnage bigint, nights integer, discount numeric, surcharge numeric)
    RETURNS numeric LANGUAGE sql IMMUTABLE
    AS $$ SELECT harbor.fee_for(tonnage, nights, discount) + surcharge $$;
CREATE FUNCTION harbor.largest(VARIADIC vals numeric[]) RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT max(v) FROM unnest(vals) AS v $$;
CREATE FUNCTION harbor.split_code(code text, OUT country text, OUT place text)
    LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    country := left(code, 2);
    place := substr(code, 3);
END
$$;
CREATE FUNCTION harbor.months(first date, n integer)
    RETURNS TABLE (month_start date, month_end date) LANGUAGE sql STABLE ROWS 12
    AS $$ SELECT (first + make_interval(months => g))::date, (first + make_interval(months => g + 1))::date
          FROM generate_series(0, n - 1) AS g $$;
CREATE FUNCTION harbor.audited_now() RETURNS timestamptz LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp SET work_mem = '8MB'
    AS $$ BEGIN RETURN statement_timestamp(); END $$;
CREATE FUNCTION harbor.coord_distance(a harbor.coordinates, b harbor.coordinates) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN sqrt(((a).lat - (b).lat) ^ 2 + ((a).lon - (b).lon) ^ 2);
CREATE FUNCTION harbor.coord_same(a harbor.coordinates, b harbor.coordinates) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT RETURN (a).lat = (b).lat AND (a).lon = (b).lon;
CREATE FUNCTION harbor.coord_differ(a harbor.coordinates, b harbor.coordinates) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT RETURN NOT ((a).lat = (b).lat AND (a).lon = (b).lon);
CREATE FUNCTION harbor.coord_norm(a harbor.coordinates) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT RETURN sqrt((a).lat ^ 2 + (a).lon ^ 2);
CREATE FUNCTION harbor.coordinates_to_point(c harbor.coordinates) RETURNS point
    LANGUAGE sql IMMUTABLE STRICT RETURN point((c).lon, (c).lat);
CREATE FUNCTION harbor.kind_rank(k harbor.vessel_kind) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT
BEGIN ATOMIC
    SELECT array_position(enum_range(NULL::harbor.vessel_kind), k);
END;
COMMENT ON FUNCTION harbor.fee_for(bigint, integer, numeric) IS 'harbour dues';
COMMENT ON FUNCTION harbor.kind_rank(harbor.vessel_kind) IS 'SQL-standard body';

-- -----------------------------------------------------------------------------
-- Aggregates: combine function and parallel safety, moving-aggregate support, a final
-- function, a sort operator, an ordered-set aggregate
-- -----------------------------------------------------------------------------
CREATE AGGREGATE harbor.total_tonnage(bigint) (
    SFUNC = int8pl, STYPE = bigint, INITCOND = '0', COMBINEFUNC = int8pl, PARALLEL = SAFE,
    MSFUNC = int8pl, MINVFUNC = int8mi, MSTYPE = bigint, MINITCOND = '0');
CREATE FUNCTION harbor.product_step(state double precision[], v double precision) RETURNS double precision[]
    LANGUAGE sql IMMUTABLE RETURN ARRAY[state[1] * v, state[2] + 1];
CREATE FUNCTION harbor.product_final(state double precision[]) RETURNS double precision
    LANGUAGE sql IMMUTABLE RETURN CASE WHEN state[2] = 0 THEN NULL ELSE power(state[1], 1 / state[2]) END;
CREATE AGGREGATE harbor.geometric_mean(double precision) (
    SFUNC = harbor.product_step, STYPE = double precision[], FINALFUNC = harbor.product_final,
    INITCOND = '{1,0}');
CREATE AGGREGATE harbor.highest_fee(numeric) (SFUNC = numeric_larger, STYPE = numeric, SORTOP = >);
CREATE FUNCTION harbor.collect_step(state double precision[], v double precision) RETURNS double precision[]
    LANGUAGE sql IMMUTABLE RETURN state || v;
CREATE FUNCTION harbor.pick_final(state double precision[], n integer, v double precision)
    RETURNS double precision LANGUAGE sql IMMUTABLE RETURN state[n];
CREATE AGGREGATE harbor.nth_value_of(integer ORDER BY double precision) (
    SFUNC = harbor.collect_step, STYPE = double precision[], INITCOND = '{}',
    FINALFUNC = harbor.pick_final, FINALFUNC_EXTRA);
COMMENT ON AGGREGATE harbor.total_tonnage(bigint) IS 'sum with a moving-aggregate mode';

-- -----------------------------------------------------------------------------
-- Operators (binary with commutator, negator and selectivity; prefix) and casts (WITH
-- FUNCTION, WITH INOUT; implicit, assignment, explicit)
-- -----------------------------------------------------------------------------
CREATE OPERATOR harbor.<-> (LEFTARG = harbor.coordinates, RIGHTARG = harbor.coordinates,
                            FUNCTION = harbor.coord_distance, COMMUTATOR = OPERATOR(harbor.<->));
CREATE OPERATOR harbor.=== (LEFTARG = harbor.coordinates, RIGHTARG = harbor.coordinates,
                            FUNCTION = harbor.coord_same, COMMUTATOR = OPERATOR(harbor.===),
                            NEGATOR = OPERATOR(harbor.!==), RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE OPERATOR harbor.!== (LEFTARG = harbor.coordinates, RIGHTARG = harbor.coordinates,
                            FUNCTION = harbor.coord_differ, COMMUTATOR = OPERATOR(harbor.!==),
                            NEGATOR = OPERATOR(harbor.===), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR harbor.@@ (RIGHTARG = harbor.coordinates, FUNCTION = harbor.coord_norm);
COMMENT ON OPERATOR harbor.<-> (harbor.coordinates, harbor.coordinates) IS 'distance in degrees';

CREATE CAST (harbor.coordinates AS point) WITH FUNCTION harbor.coordinates_to_point(harbor.coordinates)
    AS ASSIGNMENT;
CREATE CAST (harbor.vessel_kind AS integer) WITH FUNCTION harbor.kind_rank(harbor.vessel_kind);
CREATE CAST (harbor.berth_slot AS text) WITH INOUT AS IMPLICIT;
COMMENT ON CAST (harbor.vessel_kind AS integer) IS 'position in the enum';

-- -----------------------------------------------------------------------------
-- Conversion (a built-in conversion function; not the default)
-- -----------------------------------------------------------------------------
CREATE CONVERSION harbor.latin9_to_utf8 FOR 'LATIN9' TO 'UTF8' FROM pg_catalog.iso8859_to_utf8;
COMMENT ON CONVERSION harbor.latin9_to_utf8 IS 'not the default conversion';

-- -----------------------------------------------------------------------------
-- Tables: ports (collations, compression, storage, statistics target, attribute options,
-- table and TOAST storage parameters, UNIQUE NULLS NOT DISTINCT)
-- -----------------------------------------------------------------------------
CREATE TABLE harbor.ports (
    code harbor.port_code PRIMARY KEY,
    name text NOT NULL COLLATE harbor.phonebook,
    name_ci text COLLATE harbor.nocase,
    country harbor.country NOT NULL,
    location harbor.coordinates,
    notes text COMPRESSION pglz,
    remarks text COMPRESSION lz4,
    attrs ext.hstore,
    alias ext.citext,
    CONSTRAINT ports_country_alias_key UNIQUE NULLS NOT DISTINCT (country, alias)
) WITH (fillfactor = 90, autovacuum_vacuum_scale_factor = 0.05, toast.autovacuum_enabled = false);
ALTER TABLE harbor.ports ALTER COLUMN notes SET STORAGE EXTERNAL;
ALTER TABLE harbor.ports ALTER COLUMN country SET STATISTICS 500;
ALTER TABLE harbor.ports ALTER COLUMN name SET (n_distinct = -0.5);
COMMENT ON TABLE harbor.ports IS 'every port a vessel may call at';
COMMENT ON COLUMN harbor.ports.name_ci IS 'compared without case';
COMMENT ON CONSTRAINT ports_country_alias_key ON harbor.ports IS 'one NULL alias per country';

-- vessels: identity ALWAYS with options, stored generated columns (one from a text search
-- configuration), a NOT NULL domain, an enum with a default, a CHECK added NOT VALID
-- over a row that breaks it, replica identity by index
CREATE TABLE harbor.vessels (
    id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 5) PRIMARY KEY,
    imo harbor.imo_number NOT NULL,
    name text NOT NULL,
    kind harbor.vessel_kind NOT NULL DEFAULT 'container',
    gross_tonnage harbor.tonnage,
    length_m numeric(6,2) CHECK (length_m > 0),
    beam_m numeric(5,2),
    area_m2 numeric GENERATED ALWAYS AS (length_m * beam_m) STORED,
    draughts harbor.draughts,
    retired harbor.flag,
    home_port harbor.port_code REFERENCES harbor.ports (code) ON UPDATE CASCADE,
    registered_at timestamptz NOT NULL DEFAULT '2020-01-01 00:00+00',
    search tsvector GENERATED ALWAYS AS (to_tsvector('harbor.shipping'::regconfig, name)) STORED,
    CONSTRAINT vessels_imo_key UNIQUE (imo),
    CONSTRAINT vessels_home_port_id_key UNIQUE (home_port, id)
);
ALTER TABLE harbor.vessels ALTER COLUMN id SET STATISTICS 50;
COMMENT ON COLUMN harbor.vessels.area_m2 IS 'generated';

-- berths: identity BY DEFAULT cycling, a deferrable foreign key, a deferrable unique key
CREATE TABLE harbor.berths (
    id integer GENERATED BY DEFAULT AS IDENTITY (MINVALUE 10 MAXVALUE 100000 CYCLE) PRIMARY KEY,
    port harbor.port_code NOT NULL REFERENCES harbor.ports ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    label text NOT NULL,
    depth_m numeric(4,1),
    CONSTRAINT berths_port_label_key UNIQUE (port, label) DEFERRABLE
);

-- berth bookings: an exclusion constraint (btree_gist for the equality part), a
-- multirange, a range over an enum, a nested composite, MATCH FULL, CLUSTER ON
CREATE TABLE harbor.berth_bookings (
    id bigserial PRIMARY KEY,
    berth_id integer NOT NULL REFERENCES harbor.berths,
    vessel_id bigint NOT NULL REFERENCES harbor.vessels MATCH FULL ON DELETE RESTRICT,
    during tstzrange NOT NULL,
    tide harbor.tide_ranges,
    kinds harbor.kind_range,
    slot harbor.berth_slot,
    waypoints harbor.coordinates[],
    span harbor.floatrange,
    CONSTRAINT berth_bookings_no_overlap EXCLUDE USING gist (berth_id WITH =, during WITH &&)
        DEFERRABLE INITIALLY IMMEDIATE
);
ALTER TABLE harbor.berth_bookings CLUSTER ON berth_bookings_pkey;
COMMENT ON CONSTRAINT berth_bookings_no_overlap ON harbor.berth_bookings IS 'one vessel per berth at a time';

-- countries and crew: a foreign key NOT VALID over rows that break it, ON DELETE SET NULL
-- (column), row-level security enabled and forced with permissive and restrictive policies
CREATE TABLE harbor.countries (code harbor.country PRIMARY KEY, name text NOT NULL);
CREATE TABLE harbor.crew_members (
    id integer PRIMARY KEY,
    home_port harbor.port_code NOT NULL,
    vessel_id bigint,
    full_name text NOT NULL,
    nationality char(2),
    rank text DEFAULT 'deckhand',
    FOREIGN KEY (home_port, vessel_id) REFERENCES harbor.vessels (home_port, id) ON DELETE SET NULL (vessel_id)
);
ALTER TABLE harbor.crew_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE harbor.crew_members FORCE ROW LEVEL SECURITY;
CREATE POLICY crew_clerk_reads ON harbor.crew_members FOR SELECT TO tsm_eo_clerk USING (true);
CREATE POLICY crew_auditor_all ON harbor.crew_members FOR ALL TO tsm_eo_auditor
    USING (rank <> 'captain') WITH CHECK (rank <> 'captain');
CREATE POLICY crew_named_only ON harbor.crew_members AS RESTRICTIVE FOR ALL TO PUBLIC
    USING (full_name <> '');
CREATE POLICY crew_insert_checked ON harbor.crew_members FOR INSERT TO tsm_eo_clerk
    WITH CHECK (nationality IS NOT NULL);
COMMENT ON POLICY crew_named_only ON harbor.crew_members IS 'restrictive';

-- an unlogged table (its rows are dumped), autovacuum off in its storage parameters
CREATE UNLOGGED TABLE harbor.ais_buffer (
    mmsi integer NOT NULL,
    seen_at timestamptz NOT NULL,
    location point,
    payload bytea
) WITH (autovacuum_enabled = false, toast_tuple_target = 4096);

-- a typed table, replica identity NOTHING
CREATE TABLE harbor.anchorages OF harbor.coordinates (PRIMARY KEY (lat, lon), lat WITH OPTIONS NOT NULL);
ALTER TABLE harbor.anchorages REPLICA IDENTITY NOTHING;

-- table inheritance: a parent with a NO INHERIT constraint, two children, a grandchild
-- inheriting from both (columns merged)
CREATE TABLE harbor.inspections (
    id integer NOT NULL,
    vessel_id bigint,
    done_on date NOT NULL,
    passed boolean,
    CONSTRAINT inspections_recent CHECK (done_on > '2000-01-01'),
    CONSTRAINT inspections_parent_only CHECK (id > 0) NO INHERIT
);
CREATE TABLE harbor.safety_inspections (officer text) INHERITS (harbor.inspections);
CREATE TABLE harbor.hull_inspections (dry_dock boolean DEFAULT false) INHERITS (harbor.inspections);
CREATE TABLE harbor.combined_inspections (remarks text) INHERITS (harbor.safety_inspections, harbor.hull_inspections);
COMMENT ON TABLE harbor.combined_inspections IS 'inherits from two parents';

-- a range-partitioned table: monthly partitions, a default partition, a partitioned
-- index, an index of one partition only, a trigger on the partitioned table, a table
-- attached as a partition after the fact
CREATE TABLE harbor.port_calls (
    id bigserial,
    vessel_id bigint NOT NULL,
    port harbor.port_code NOT NULL,
    arrived_at timestamptz NOT NULL,
    departed_at timestamptz,
    fee numeric(12,2),
    PRIMARY KEY (id, arrived_at)
) PARTITION BY RANGE (arrived_at);
CREATE TABLE harbor.port_calls_2024_01 PARTITION OF harbor.port_calls
    FOR VALUES FROM ('2024-01-01 00:00+00') TO ('2024-02-01 00:00+00');
CREATE TABLE harbor.port_calls_2024_02 PARTITION OF harbor.port_calls
    FOR VALUES FROM ('2024-02-01 00:00+00') TO ('2024-03-01 00:00+00');
CREATE TABLE harbor.port_calls_2024_03 PARTITION OF harbor.port_calls
    FOR VALUES FROM ('2024-03-01 00:00+00') TO ('2024-04-01 00:00+00')
    WITH (fillfactor = 80);
CREATE TABLE harbor.port_calls_2024_04 (LIKE harbor.port_calls INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE harbor.port_calls ATTACH PARTITION harbor.port_calls_2024_04
    FOR VALUES FROM ('2024-04-01 00:00+00') TO ('2024-05-01 00:00+00');
CREATE TABLE harbor.port_calls_default PARTITION OF harbor.port_calls DEFAULT;
CREATE INDEX port_calls_vessel_idx ON harbor.port_calls (vessel_id, arrived_at DESC);
CREATE INDEX port_calls_2024_01_big_fees ON harbor.port_calls_2024_01 (fee) WHERE fee > 1000;
COMMENT ON TABLE harbor.port_calls_default IS 'calls outside the months with a partition';
COMMENT ON INDEX harbor.port_calls_vessel_idx IS 'partitioned index';

-- a list-partitioned table with hash sub-partitions and a default partition
CREATE TABLE harbor.tariffs (
    region text NOT NULL,
    item integer NOT NULL,
    price numeric(10,2) NOT NULL,
    valid_during daterange,
    PRIMARY KEY (region, item)
) PARTITION BY LIST (region);
CREATE TABLE harbor.tariffs_north PARTITION OF harbor.tariffs FOR VALUES IN ('north', 'arctic')
    PARTITION BY HASH (item);
CREATE TABLE harbor.tariffs_north_0 PARTITION OF harbor.tariffs_north FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE harbor.tariffs_north_1 PARTITION OF harbor.tariffs_north FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE TABLE harbor.tariffs_south PARTITION OF harbor.tariffs FOR VALUES IN ('south');
CREATE TABLE harbor.tariffs_other PARTITION OF harbor.tariffs DEFAULT;

-- a foreign key to a partitioned table
CREATE TABLE harbor.invoices (
    id integer PRIMARY KEY DEFAULT nextval('harbor.invoice_numbers'),
    call_id bigint NOT NULL,
    call_arrived_at timestamptz NOT NULL,
    amount numeric(12,2) NOT NULL,
    FOREIGN KEY (call_id, call_arrived_at) REFERENCES harbor.port_calls (id, arrived_at)
);
ALTER SEQUENCE harbor.invoice_numbers OWNED BY harbor.invoices.id;

-- append-only records behind rules: DO INSTEAD NOTHING, DO ALSO, and rules disabled,
-- enabled for replicas only, enabled always; replica identity FULL
CREATE TABLE "Ledger & Audit"."Entries" (
    "Entry No" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "Kind" "Ledger & Audit"."Entry Kind" NOT NULL,
    amount numeric(12,2) NOT NULL,
    booked_at timestamptz NOT NULL,
    memo text
);
CREATE TABLE "Ledger & Audit".changes (
    seq integer GENERATED BY DEFAULT AS IDENTITY,
    what text NOT NULL,
    at timestamptz
);
ALTER TABLE "Ledger & Audit".changes REPLICA IDENTITY FULL;
CREATE RULE entries_no_delete AS ON DELETE TO "Ledger & Audit"."Entries" DO INSTEAD NOTHING;
CREATE RULE entries_no_update AS ON UPDATE TO "Ledger & Audit"."Entries" DO INSTEAD NOTHING;
CREATE RULE "Entries logged" AS ON INSERT TO "Ledger & Audit"."Entries"
    DO ALSO INSERT INTO "Ledger & Audit".changes (what, at) VALUES ('entry ' || NEW."Kind", NEW.booked_at);
CREATE RULE changes_notify AS ON INSERT TO "Ledger & Audit".changes DO ALSO NOTIFY ledger_changes;
ALTER TABLE "Ledger & Audit".changes DISABLE RULE changes_notify;
CREATE RULE changes_replica AS ON UPDATE TO "Ledger & Audit".changes DO ALSO NOTIFY ledger_replica;
ALTER TABLE "Ledger & Audit".changes ENABLE REPLICA RULE changes_replica;
CREATE RULE changes_always AS ON DELETE TO "Ledger & Audit".changes DO ALSO NOTIFY ledger_always;
ALTER TABLE "Ledger & Audit".changes ENABLE ALWAYS RULE changes_always;
COMMENT ON RULE entries_no_delete ON "Ledger & Audit"."Entries" IS 'entries are never deleted';

-- -----------------------------------------------------------------------------
-- Indexes: hash, gist, spgist, gin (trigram, hstore, full text), brin, partial,
-- expression, covering, operator class, collation, DESC NULLS FIRST, storage parameters
-- -----------------------------------------------------------------------------
CREATE INDEX vessels_name_hash ON harbor.vessels USING hash (name);
CREATE INDEX vessels_name_trgm ON harbor.vessels USING gin (name ext.gin_trgm_ops);
CREATE INDEX vessels_search ON harbor.vessels USING gin (search) WITH (fastupdate = off);
CREATE INDEX vessels_active_kind ON harbor.vessels (kind) WHERE NOT retired;
CREATE INDEX vessels_lower_name ON harbor.vessels (lower(name) text_pattern_ops);
CREATE INDEX vessels_tonnage_desc ON harbor.vessels (gross_tonnage DESC NULLS FIRST) INCLUDE (name)
    WITH (fillfactor = 70);
CREATE INDEX ports_name_c ON harbor.ports (name COLLATE "C");
CREATE INDEX ports_attrs ON harbor.ports USING gin (attrs);
CREATE INDEX ports_position ON harbor.ports USING spgist ((location::point));
CREATE INDEX bookings_during_brin ON harbor.berth_bookings USING brin (during) WITH (pages_per_range = 16);
CREATE INDEX ais_seen_brin ON harbor.ais_buffer USING brin (seen_at);
CREATE INDEX bookings_span_gist ON harbor.berth_bookings USING gist (span);
CREATE UNIQUE INDEX countries_lower_name ON harbor.countries (lower(name));
COMMENT ON INDEX harbor.vessels_active_kind IS 'partial';
ALTER TABLE harbor.vessels REPLICA IDENTITY USING INDEX vessels_imo_key;

-- -----------------------------------------------------------------------------
-- Extended statistics: ndistinct and dependencies, mcv, expressions; a statistics target
-- -----------------------------------------------------------------------------
CREATE STATISTICS harbor.vessels_dimensions (ndistinct, dependencies) ON length_m, beam_m FROM harbor.vessels;
CREATE STATISTICS harbor.vessels_kind_port (mcv) ON kind, home_port FROM harbor.vessels;
CREATE STATISTICS harbor.vessels_expressions ON (length_m * 2), (lower(name)) FROM harbor.vessels;
ALTER STATISTICS harbor.vessels_dimensions SET STATISTICS 300;
COMMENT ON STATISTICS harbor.vessels_kind_port IS 'kinds per home port';

-- -----------------------------------------------------------------------------
-- Trigger functions and triggers: row and statement, BEFORE/AFTER/INSTEAD OF/TRUNCATE,
-- WHEN, UPDATE OF, transition tables, a deferrable constraint trigger, triggers
-- disabled, enabled for replicas only, enabled always, a trigger on a partitioned table
-- -----------------------------------------------------------------------------
CREATE FUNCTION harbor.log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "Ledger & Audit".changes (what, at) VALUES (TG_TABLE_NAME || ' ' || TG_OP, '2024-01-01 00:00+00');
    RETURN coalesce(NEW, OLD);
END
$$;
CREATE FUNCTION harbor.count_new_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "Ledger & Audit".changes (what, at)
    SELECT TG_TABLE_NAME || ' +' || count(*), '2024-01-01 00:00+00' FROM fresh;
    RETURN NULL;
END
$$;
CREATE FUNCTION harbor.keep_name_trimmed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.name := btrim(NEW.name);
    RETURN NEW;
END
$$;
CREATE FUNCTION harbor.booking_sane() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF isempty(NEW.during) THEN
        RAISE EXCEPTION 'empty booking %', NEW.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION harbor.board_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO harbor.berths (port, label) VALUES (NEW.port, NEW.label);
    RETURN NEW;
END
$$;

CREATE TRIGGER vessels_trim BEFORE INSERT OR UPDATE OF name ON harbor.vessels
    FOR EACH ROW WHEN (NEW.name IS NOT NULL) EXECUTE FUNCTION harbor.keep_name_trimmed();
CREATE TRIGGER vessels_changed AFTER UPDATE ON harbor.vessels
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION harbor.log_change();
CREATE TRIGGER vessels_statement AFTER DELETE ON harbor.vessels
    FOR EACH STATEMENT EXECUTE FUNCTION harbor.log_change();
CREATE TRIGGER vessels_new_rows AFTER INSERT ON harbor.vessels
    REFERENCING NEW TABLE AS fresh FOR EACH STATEMENT EXECUTE FUNCTION harbor.count_new_rows();
CREATE TRIGGER ports_truncate BEFORE TRUNCATE ON harbor.ports
    FOR EACH STATEMENT EXECUTE FUNCTION harbor.log_change();
CREATE CONSTRAINT TRIGGER bookings_sane AFTER INSERT OR UPDATE ON harbor.berth_bookings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION harbor.booking_sane();
CREATE TRIGGER berths_disabled AFTER INSERT ON harbor.berths
    FOR EACH ROW EXECUTE FUNCTION harbor.log_change();
ALTER TABLE harbor.berths DISABLE TRIGGER berths_disabled;
CREATE TRIGGER berths_replica AFTER UPDATE ON harbor.berths
    FOR EACH ROW EXECUTE FUNCTION harbor.log_change();
ALTER TABLE harbor.berths ENABLE REPLICA TRIGGER berths_replica;
CREATE TRIGGER berths_always AFTER DELETE ON harbor.berths
    FOR EACH ROW EXECUTE FUNCTION harbor.log_change();
ALTER TABLE harbor.berths ENABLE ALWAYS TRIGGER berths_always;
CREATE TRIGGER port_calls_logged AFTER DELETE ON harbor.port_calls
    FOR EACH ROW EXECUTE FUNCTION harbor.log_change();
COMMENT ON TRIGGER vessels_trim ON harbor.vessels IS 'names without surrounding blanks';

-- -----------------------------------------------------------------------------
-- Procedures: plpgsql with INOUT and a default, SQL-standard body
-- -----------------------------------------------------------------------------
CREATE PROCEDURE harbor.retire_vessel(p_id bigint, INOUT changed integer DEFAULT 0) LANGUAGE plpgsql AS $$
BEGIN
    UPDATE harbor.vessels SET retired = true WHERE id = p_id;
    GET DIAGNOSTICS changed = ROW_COUNT;
END
$$;
CREATE PROCEDURE harbor.add_berth(p_port text, p_label text) LANGUAGE sql
BEGIN ATOMIC
    INSERT INTO harbor.berths (port, label) VALUES (p_port, p_label);
END;
COMMENT ON PROCEDURE harbor.retire_vessel(bigint, integer) IS 'sets retired';
CREATE FUNCTION harbor.berth_count(p_port text) RETURNS bigint LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT count(*) FROM harbor.berths WHERE port = p_port;
END;
CREATE FUNCTION harbor.port_codes() RETURNS SETOF text LANGUAGE sql STABLE ROWS 50
    AS $$ SELECT code::text FROM harbor.ports ORDER BY 1 $$;

-- -----------------------------------------------------------------------------
-- Data: about 6,000 rows
-- -----------------------------------------------------------------------------
INSERT INTO harbor.countries (code, name)
SELECT c, 'Country ' || c FROM unnest(ARRAY['DE', 'NL', 'BE', 'FR', 'NO', 'SE', 'DK', 'PL', 'FI', 'ES']) AS c;

INSERT INTO harbor.ports (code, name, name_ci, country, location, notes, remarks, attrs, alias)
SELECT (ARRAY['DE', 'NL', 'BE', 'FR', 'NO', 'SE', 'DK', 'PL', 'FI', 'ES'])[1 + g % 10]
           || chr(65 + g % 26) || chr(65 + (g / 26) % 26) || chr(65 + (g * 7) % 26),
       CASE WHEN g % 5 = 0 THEN 'Müller Hafen ' ELSE 'Hafen ' END || g,
       CASE WHEN g % 2 = 0 THEN 'PORT ' ELSE 'port ' END || g,
       (ARRAY['DE', 'NL', 'BE', 'FR', 'NO', 'SE', 'DK', 'PL', 'FI', 'ES'])[1 + g % 10],
       ROW(50 + g / 10.0, 4 + g / 20.0)::harbor.coordinates,
       repeat('notes ' || g || ' ', 200 + g),
       repeat('remarks ' || g || ' ', 300),
       ext.hstore(ARRAY['depth', 'cranes'], ARRAY[(10 + g % 7)::text, (g % 5)::text]),
       CASE WHEN g IN (4, 8) THEN NULL ELSE 'Alias' || g END
FROM generate_series(1, 60) AS g;

INSERT INTO harbor.vessels (imo, name, kind, gross_tonnage, length_m, beam_m, draughts, retired, home_port,
                            registered_at)
SELECT 9000000 + g,
       CASE WHEN g % 9 = 0 THEN '  Sea Star ' || g || '  ' ELSE 'Vessel ' || g END,
       (enum_range(NULL::harbor.vessel_kind))[1 + g % 6],
       CASE WHEN g = 3 THEN -1 ELSE g * 1000 END,
       100 + g % 250,
       CASE WHEN g = 7 THEN 400 ELSE 20 + g % 30 END,
       ARRAY[8.5 + g % 3, 9.0]::numeric(4,1)[],
       g % 11 = 0,
       (SELECT code FROM harbor.ports ORDER BY code OFFSET g % 60 LIMIT 1),
       '2020-01-01 00:00+00'::timestamptz + g * interval '1 day'
FROM generate_series(1, 400) AS g;
-- a CHECK added NOT VALID over the row with beam 400 > length (g = 7), a domain constraint
-- added NOT VALID over the vessel with tonnage -1 (g = 3)
ALTER TABLE harbor.vessels ADD CONSTRAINT vessels_beam_sane CHECK (beam_m < length_m) NOT VALID;
ALTER DOMAIN harbor.tonnage ADD CONSTRAINT tonnage_not_negative CHECK (VALUE >= 0) NOT VALID;

INSERT INTO harbor.berths (port, label, depth_m)
SELECT p.code, 'B' || b, 8 + b
FROM harbor.ports AS p, generate_series(1, 5) AS b;
-- a CHECK added NOT VALID that every row meets (validating it changes only its state)
ALTER TABLE harbor.berths ADD CONSTRAINT berths_depth_positive CHECK (depth_m > 0) NOT VALID;

INSERT INTO harbor.berth_bookings (berth_id, vessel_id, during, tide, kinds, slot, waypoints, span)
SELECT 10 + g % 300,
       (SELECT id FROM harbor.vessels ORDER BY id OFFSET g % 400 LIMIT 1),
       tstzrange('2024-01-01 00:00+00'::timestamptz + (g / 300) * interval '2 days',
                 '2024-01-01 00:00+00'::timestamptz + (g / 300) * interval '2 days' + interval '1 day'),
       CASE WHEN g % 3 = 0 THEN '{[1.5,2.5), [3,4]}'::harbor.tide_ranges END,
       harbor.kind_range('ferry', (enum_range(NULL::harbor.vessel_kind))[2 + g % 5]),
       ROW('B' || g % 5, ROW(51.5, 3.2)::harbor.coordinates,
           tstzrange('2024-03-01 00:00+00', '2024-03-02 00:00+00'))::harbor.berth_slot,
       ARRAY[ROW(51, 3)::harbor.coordinates, ROW(51.5, 3.5)::harbor.coordinates],
       harbor.floatrange(g / 10.0, g / 10.0 + 1)
FROM generate_series(1, 1500) AS g;

INSERT INTO harbor.crew_members (id, home_port, vessel_id, full_name, nationality, rank)
SELECT g, v.home_port, v.id, 'Sailor ' || g,
       CASE WHEN g % 50 = 0 THEN 'XX' WHEN g % 13 = 0 THEN NULL
            ELSE (ARRAY['DE', 'NL', 'BE', 'FR', 'NO'])[1 + g % 5] END,
       CASE WHEN g % 40 = 0 THEN 'captain' ELSE 'deckhand' END
FROM generate_series(1, 800) AS g
JOIN harbor.vessels AS v ON v.id = 100 + 5 * (g % 400);
-- a foreign key added NOT VALID over rows whose nationality 'XX' has no country
ALTER TABLE harbor.crew_members ADD CONSTRAINT crew_members_nationality_fkey
    FOREIGN KEY (nationality) REFERENCES harbor.countries NOT VALID;

INSERT INTO harbor.ais_buffer (mmsi, seen_at, location, payload)
SELECT 211000000 + g % 97, '2024-05-01 00:00+00'::timestamptz + g * interval '10 seconds',
       point(4 + g / 1000.0, 51 + g / 2000.0), int4send(g)
FROM generate_series(1, 1000) AS g;

INSERT INTO harbor.anchorages (lat, lon) SELECT 51 + g / 100.0, 3 + g / 50.0 FROM generate_series(1, 40) AS g;

INSERT INTO harbor.inspections (id, vessel_id, done_on, passed) VALUES (1, 100, '2023-01-05', true);
INSERT INTO harbor.safety_inspections (id, vessel_id, done_on, passed, officer)
SELECT g, 100 + 5 * g, '2023-01-01'::date + g, g % 7 <> 0, 'Officer ' || g % 9 FROM generate_series(1, 60) AS g;
INSERT INTO harbor.hull_inspections (id, vessel_id, done_on, passed, dry_dock)
SELECT g, 100 + 5 * g, '2023-06-01'::date + g, true, g % 2 = 0 FROM generate_series(1, 40) AS g;
INSERT INTO harbor.combined_inspections (id, vessel_id, done_on, passed, officer, dry_dock, remarks)
SELECT g, 100 + 5 * g, '2024-01-01'::date + g, NULL, 'Chief', true, 'both' FROM generate_series(1, 10) AS g;

INSERT INTO harbor.port_calls (vessel_id, port, arrived_at, departed_at, fee)
SELECT 100 + 5 * (g % 400),
       (SELECT code FROM harbor.ports ORDER BY code OFFSET g % 60 LIMIT 1),
       '2023-12-20 00:00+00'::timestamptz + g * interval '61 minutes',
       '2023-12-20 00:00+00'::timestamptz + g * interval '61 minutes' + interval '9 hours',
       round((g % 1500) * 1.37, 2)
FROM generate_series(1, 3200) AS g;

INSERT INTO harbor.tariffs (region, item, price, valid_during)
SELECT (ARRAY['north', 'arctic', 'south', 'west'])[1 + g % 4], g, g * 2.5,
       daterange('2024-01-01', '2025-01-01')
FROM generate_series(1, 200) AS g;

INSERT INTO harbor.invoices (call_id, call_arrived_at, amount)
SELECT id, arrived_at, fee FROM harbor.port_calls WHERE id % 10 = 0;

INSERT INTO "Ledger & Audit"."Entries" ("Kind", amount, booked_at, memo)
SELECT (enum_range(NULL::"Ledger & Audit"."Entry Kind"))[1 + g % 3], g * 10.5,
       '2024-02-01 00:00+00'::timestamptz + g * interval '1 hour', CASE WHEN g % 4 = 0 THEN 'memo ' || g END
FROM generate_series(1, 300) AS g;

SELECT nextval('harbor.invoice_numbers') FROM generate_series(1, 3);
SELECT nextval('harbor.voyage_numbers');

-- -----------------------------------------------------------------------------
-- Views: check options (local, cascaded), security_barrier, security_invoker, recursive,
-- a column default, INSTEAD rules, an INSTEAD OF trigger
-- -----------------------------------------------------------------------------
CREATE VIEW harbor.active_vessels AS
    SELECT id, imo, name, kind, home_port FROM harbor.vessels WHERE NOT retired
    WITH LOCAL CHECK OPTION;
ALTER VIEW harbor.active_vessels ALTER COLUMN kind SET DEFAULT 'tanker';
CREATE VIEW harbor.big_active_vessels WITH (security_barrier) AS
    SELECT * FROM harbor.active_vessels WHERE imo > 9000100
    WITH CASCADED CHECK OPTION;
CREATE VIEW harbor.berth_board WITH (security_invoker = true) AS
    SELECT b.port, b.label, count(k.id) AS bookings, max(upper(k.during)) AS last_until
    FROM harbor.berths AS b LEFT JOIN harbor.berth_bookings AS k ON k.berth_id = b.id
    GROUP BY b.port, b.label;
CREATE RECURSIVE VIEW harbor.countdown_from_five (n) AS
    VALUES (5) UNION ALL SELECT n - 1 FROM countdown_from_five WHERE n > 1;
CREATE VIEW harbor.berths_per_port AS
    SELECT port, count(*) AS berths FROM harbor.berths GROUP BY port;
CREATE RULE berths_per_port_insert AS ON INSERT TO harbor.berths_per_port
    DO INSTEAD INSERT INTO harbor.berths (port, label) VALUES (NEW.port, 'auto ' || NEW.berths);
CREATE TRIGGER berth_board_insert INSTEAD OF INSERT ON harbor.berth_board
    FOR EACH ROW EXECUTE FUNCTION harbor.board_insert();
CREATE VIEW "Ledger & Audit"."Daily Totals" AS
    SELECT date_trunc('day', booked_at) AS day, "Kind", sum(amount) AS total
    FROM "Ledger & Audit"."Entries" GROUP BY 1, 2;
COMMENT ON VIEW harbor.berth_board IS 'security invoker';
COMMENT ON COLUMN harbor.active_vessels.kind IS 'defaults to tanker on insert';

-- -----------------------------------------------------------------------------
-- Materialized views: populated with a unique index, populated without an index,
-- never populated (WITH NO DATA) with an index, never populated without one
-- -----------------------------------------------------------------------------
CREATE MATERIALIZED VIEW harbor.calls_per_port WITH (fillfactor = 95) AS
    SELECT port, count(*) AS calls, sum(fee) AS fees FROM harbor.port_calls GROUP BY port;
CREATE UNIQUE INDEX calls_per_port_port ON harbor.calls_per_port (port);
CREATE MATERIALIZED VIEW harbor.kinds_in_service AS
    SELECT kind, count(*) AS vessels FROM harbor.vessels WHERE NOT retired GROUP BY kind;
CREATE MATERIALIZED VIEW harbor.monthly_fees AS
    SELECT date_trunc('month', arrived_at) AS month, sum(fee) AS fees FROM harbor.port_calls GROUP BY 1
    WITH NO DATA;
CREATE INDEX monthly_fees_month ON harbor.monthly_fees (month);
CREATE MATERIALIZED VIEW "Ledger & Audit"."Balances" AS
    SELECT "Kind", sum(amount) AS balance FROM "Ledger & Audit"."Entries" GROUP BY 1
    WITH NO DATA;
COMMENT ON MATERIALIZED VIEW harbor.monthly_fees IS 'never refreshed';

-- -----------------------------------------------------------------------------
-- A publication (tables with a column list and a row filter; inserts only)
-- -----------------------------------------------------------------------------
CREATE PUBLICATION tsm_eo_calls FOR TABLE harbor.port_calls (id, vessel_id, port, arrived_at) WHERE (fee > 0),
    TABLE harbor.countries
    WITH (publish = 'insert', publish_via_partition_root = true);
COMMENT ON PUBLICATION tsm_eo_calls IS 'inserts of port calls';

-- -----------------------------------------------------------------------------
-- Large objects: with content over several pages, empty, with comments
-- -----------------------------------------------------------------------------
SELECT lo_from_bytea(880001, convert_to(repeat('manifest line ', 2000), 'UTF8'));
SELECT lo_from_bytea(880002, '');
SELECT lo_from_bytea(880003, '\x00010203fffefd'::bytea);
COMMENT ON LARGE OBJECT 880001 IS 'a cargo manifest';

-- -----------------------------------------------------------------------------
-- Version-dependent kinds and states
-- -----------------------------------------------------------------------------
\if :pg16
CREATE VIEW harbor.json_checked AS
    SELECT code, attrs::text IS JSON AS attrs_is_json, JSON_OBJECT('code': code, 'country': country) AS doc
    FROM harbor.ports;
\endif

\if :pg17
CREATE TABLE harbor.pilotages (
    id bigint GENERATED ALWAYS AS IDENTITY,
    port harbor.port_code NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE harbor.pilotages_2024 PARTITION OF harbor.pilotages
    FOR VALUES FROM ('2024-01-01 00:00+00') TO ('2025-01-01 00:00+00');
INSERT INTO harbor.pilotages (port, at)
SELECT (SELECT code FROM harbor.ports ORDER BY code LIMIT 1), '2024-01-01 00:00+00'::timestamptz + g * interval '1 day'
FROM generate_series(1, 30) AS g;
CREATE VIEW harbor.port_attrs AS
    SELECT p.code, j.depth, j.cranes
    FROM harbor.ports AS p,
         JSON_TABLE(ext.hstore_to_json(p.attrs)::jsonb, '$' COLUMNS (depth int PATH '$.depth',
                                                                      cranes int PATH '$.cranes')) AS j;
\endif

\if :pg18
CREATE TABLE harbor.moorings (
    berth_id integer NOT NULL,
    during tstzrange NOT NULL,
    vessel_id bigint CONSTRAINT moorings_vessel_given NOT NULL,
    lines integer CONSTRAINT moorings_lines_nn NOT NULL NO INHERIT,
    length_m numeric,
    length_ft numeric GENERATED ALWAYS AS (length_m * 3.28084) VIRTUAL,
    note text,
    CONSTRAINT moorings_no_overlap PRIMARY KEY (berth_id, during WITHOUT OVERLAPS),
    CONSTRAINT moorings_lines_sane CHECK (lines BETWEEN 1 AND 12) NOT ENFORCED
);
INSERT INTO harbor.moorings (berth_id, during, vessel_id, lines, length_m, note)
SELECT 1 + g % 20, tstzrange('2024-01-01 00:00+00'::timestamptz + g * interval '1 day',
                             '2024-01-01 00:00+00'::timestamptz + (g + 1) * interval '1 day'),
       100 + 5 * g, 1 + g % 30, 50 + g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END
FROM generate_series(1, 60) AS g;
ALTER TABLE harbor.moorings ADD CONSTRAINT moorings_note_given NOT NULL note NOT VALID;
CREATE TABLE harbor.mooring_fees (
    berth_id integer NOT NULL,
    during tstzrange NOT NULL,
    fee numeric,
    CONSTRAINT mooring_fees_mooring FOREIGN KEY (berth_id, PERIOD during)
        REFERENCES harbor.moorings (berth_id, PERIOD during),
    CONSTRAINT mooring_fees_vessel FOREIGN KEY (berth_id) REFERENCES harbor.berths NOT ENFORCED
);
INSERT INTO harbor.mooring_fees (berth_id, during, fee)
SELECT berth_id, during, 10 FROM harbor.moorings WHERE berth_id % 2 = 0;
COMMENT ON CONSTRAINT moorings_vessel_given ON harbor.moorings IS 'a named NOT NULL constraint';
\endif

ANALYZE;
