-- =============================================================================
-- every_object_superuser.sql -- the kinds of object only a superuser may create,
-- loaded after every_object.sql into the same database. A target whose login is
-- no superuser (tsdbadmin on Timescale) cannot take them: the preflight refuses
-- them before the downtime (check "objects"); migrate them with a superuser
-- login on the target.
-- =============================================================================
-- Written for this project from the PostgreSQL documentation. Loads on
-- PostgreSQL 15 to 18 as a superuser; pgvector only where the server has it.
--
-- Kinds and states:
--   a base type (shell type, I/O functions in language internal) with its
--   btree and hash operator classes, operators with HASHES and MERGES, and
--   binary-coercible casts (WITHOUT FUNCTION); a cast between built-in types;
--   an operator family with a class and a loose cross-type member; functions in
--   language internal and C; a LEAKPROOF function; a procedural language outside
--   an extension (handler and validator in C) and a function in it; a transform;
--   table and index access methods and a table using one; a text search parser
--   and template with a dictionary and configuration on them; event triggers
--   (enabled, disabled, REPLICA, ALWAYS); a foreign-data wrapper outside an
--   extension and postgres_fdw's, foreign servers, user mappings (one without
--   password_required), foreign tables with options; publications FOR ALL
--   TABLES and FOR TABLES IN SCHEMA; a subscription (disabled, no slot); the
--   vector extension's type in a table with an HNSW index.
-- =============================================================================

SET client_encoding = 'UTF8';
SET client_min_messages = warning;
SET TimeZone = 'UTC';

SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS has_vector \gset

CREATE SCHEMA engine;
COMMENT ON SCHEMA engine IS 'kinds only a superuser may create';
SET search_path = engine, harbor, public;

-- -----------------------------------------------------------------------------
-- A base type: shell, I/O functions in language internal, the type itself
-- -----------------------------------------------------------------------------
CREATE TYPE engine.celsius;
CREATE FUNCTION engine.celsius_in(cstring) RETURNS engine.celsius LANGUAGE internal IMMUTABLE STRICT AS 'int4in';
CREATE FUNCTION engine.celsius_out(engine.celsius) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int4out';
CREATE FUNCTION engine.celsius_recv(internal) RETURNS engine.celsius LANGUAGE internal IMMUTABLE STRICT
    AS 'int4recv';
CREATE FUNCTION engine.celsius_send(engine.celsius) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT
    AS 'int4send';
CREATE TYPE engine.celsius (INPUT = engine.celsius_in, OUTPUT = engine.celsius_out,
                            RECEIVE = engine.celsius_recv, SEND = engine.celsius_send,
                            LIKE = integer, CATEGORY = 'N');
COMMENT ON TYPE engine.celsius IS 'a base type';

-- comparison functions (internal), operators with HASHES and MERGES, btree and hash classes
CREATE FUNCTION engine.celsius_lt(engine.celsius, engine.celsius) RETURNS boolean
    LANGUAGE internal IMMUTABLE STRICT LEAKPROOF AS 'int4lt';
CREATE FUNCTION engine.celsius_le(engine.celsius, engine.celsius) RETURNS boolean
    LANGUAGE internal IMMUTABLE STRICT AS 'int4le';
CREATE FUNCTION engine.celsius_eq(engine.celsius, engine.celsius) RETURNS boolean
    LANGUAGE internal IMMUTABLE STRICT AS 'int4eq';
CREATE FUNCTION engine.celsius_ge(engine.celsius, engine.celsius) RETURNS boolean
    LANGUAGE internal IMMUTABLE STRICT AS 'int4ge';
CREATE FUNCTION engine.celsius_gt(engine.celsius, engine.celsius) RETURNS boolean
    LANGUAGE internal IMMUTABLE STRICT AS 'int4gt';
CREATE FUNCTION engine.celsius_cmp(engine.celsius, engine.celsius) RETURNS integer
    LANGUAGE internal IMMUTABLE STRICT AS 'btint4cmp';
CREATE FUNCTION engine.celsius_hash(engine.celsius) RETURNS integer
    LANGUAGE internal IMMUTABLE STRICT AS 'hashint4';
CREATE OPERATOR engine.< (LEFTARG = engine.celsius, RIGHTARG = engine.celsius, FUNCTION = engine.celsius_lt,
                          COMMUTATOR = OPERATOR(engine.>), NEGATOR = OPERATOR(engine.>=),
                          RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR engine.<= (LEFTARG = engine.celsius, RIGHTARG = engine.celsius, FUNCTION = engine.celsius_le,
                           COMMUTATOR = OPERATOR(engine.>=), NEGATOR = OPERATOR(engine.>),
                           RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR engine.= (LEFTARG = engine.celsius, RIGHTARG = engine.celsius, FUNCTION = engine.celsius_eq,
                          COMMUTATOR = OPERATOR(engine.=), RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR engine.>= (LEFTARG = engine.celsius, RIGHTARG = engine.celsius, FUNCTION = engine.celsius_ge,
                           COMMUTATOR = OPERATOR(engine.<=), NEGATOR = OPERATOR(engine.<),
                           RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR engine.> (LEFTARG = engine.celsius, RIGHTARG = engine.celsius, FUNCTION = engine.celsius_gt,
                          COMMUTATOR = OPERATOR(engine.<), NEGATOR = OPERATOR(engine.<=),
                          RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR CLASS engine.celsius_ops DEFAULT FOR TYPE engine.celsius USING btree AS
    OPERATOR 1 engine.<, OPERATOR 2 engine.<=, OPERATOR 3 engine.=, OPERATOR 4 engine.>=, OPERATOR 5 engine.>,
    FUNCTION 1 engine.celsius_cmp(engine.celsius, engine.celsius);
CREATE OPERATOR CLASS engine.celsius_hash_ops DEFAULT FOR TYPE engine.celsius USING hash AS
    OPERATOR 1 engine.=, FUNCTION 1 engine.celsius_hash(engine.celsius);
COMMENT ON OPERATOR CLASS engine.celsius_ops USING btree IS 'orders temperatures';

-- binary-coercible casts, and a cast between two built-in types
CREATE CAST (engine.celsius AS integer) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (integer AS engine.celsius) WITHOUT FUNCTION AS ASSIGNMENT;
CREATE FUNCTION engine.bool_to_bytea(b boolean) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT
    RETURN CASE WHEN b THEN '\x01'::bytea ELSE '\x00'::bytea END;
CREATE CAST (boolean AS bytea) WITH FUNCTION engine.bool_to_bytea(boolean);
COMMENT ON CAST (engine.celsius AS integer) IS 'binary coercible';

-- an operator family: a class in it (a reverse order for integers) and a loose cross-type member
CREATE FUNCTION engine.int4_reverse_cmp(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT
    RETURN btint4cmp(b, a);
CREATE FUNCTION engine.int48_reverse_cmp(a integer, b bigint) RETURNS integer LANGUAGE sql IMMUTABLE STRICT
    RETURN btint84cmp(b, a);
CREATE OPERATOR FAMILY engine.reverse_order USING btree;
CREATE OPERATOR CLASS engine.int4_reverse_ops FOR TYPE integer USING btree FAMILY engine.reverse_order AS
    OPERATOR 1 >, OPERATOR 2 >=, OPERATOR 3 =, OPERATOR 4 <=, OPERATOR 5 <,
    FUNCTION 1 engine.int4_reverse_cmp(integer, integer);
ALTER OPERATOR FAMILY engine.reverse_order USING btree ADD
    OPERATOR 3 = (integer, bigint),
    FUNCTION 1 (integer, bigint) engine.int48_reverse_cmp(integer, bigint);
COMMENT ON OPERATOR FAMILY engine.reverse_order USING btree IS 'integers, largest first';

-- -----------------------------------------------------------------------------
-- Access methods (table and index) and a table using the table access method
-- -----------------------------------------------------------------------------
CREATE ACCESS METHOD engine_heap TYPE TABLE HANDLER heap_tableam_handler;
CREATE ACCESS METHOD engine_btree TYPE INDEX HANDLER bthandler;
COMMENT ON ACCESS METHOD engine_heap IS 'the heap under another name';

CREATE TABLE engine.readings (
    id integer PRIMARY KEY,
    temperature engine.celsius NOT NULL,
    rank integer NOT NULL
) USING engine_heap;
INSERT INTO engine.readings SELECT g, (g % 40 - 10)::text::engine.celsius, g % 17 FROM generate_series(1, 500) AS g;
CREATE INDEX readings_temperature ON engine.readings (temperature);
CREATE INDEX readings_temperature_hash ON engine.readings USING hash (temperature);
CREATE INDEX readings_rank_reversed ON engine.readings (rank engine.int4_reverse_ops);

-- -----------------------------------------------------------------------------
-- Functions in language internal and C, LEAKPROOF; a procedural language outside an
-- extension (handler and validator in C: plpgsql's) and a function in it; a transform
-- -----------------------------------------------------------------------------
CREATE FUNCTION engine.add_ints(integer, integer) RETURNS integer LANGUAGE internal IMMUTABLE STRICT AS 'int4pl';
CREATE FUNCTION engine.same_text(a text, b text) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT LEAKPROOF
    RETURN a = b;
CREATE FUNCTION engine.harbor_call_handler() RETURNS language_handler LANGUAGE c
    AS '$libdir/plpgsql', 'plpgsql_call_handler';
CREATE FUNCTION engine.harbor_validator(oid) RETURNS void LANGUAGE c STRICT
    AS '$libdir/plpgsql', 'plpgsql_validator';
CREATE TRUSTED LANGUAGE plharbor HANDLER engine.harbor_call_handler VALIDATOR engine.harbor_validator;
COMMENT ON LANGUAGE plharbor IS 'plpgsql under another name';
CREATE FUNCTION engine.double_it(v integer) RETURNS integer LANGUAGE plharbor IMMUTABLE
    AS $$ BEGIN RETURN v * 2; END $$;
CREATE FUNCTION engine.celsius_from_sql(internal) RETURNS internal LANGUAGE internal IMMUTABLE STRICT
    AS 'int4send';
CREATE FUNCTION engine.celsius_to_sql(internal) RETURNS engine.celsius LANGUAGE internal IMMUTABLE STRICT
    AS 'int4recv';
CREATE TRANSFORM FOR engine.celsius LANGUAGE plharbor (
    FROM SQL WITH FUNCTION engine.celsius_from_sql(internal),
    TO SQL WITH FUNCTION engine.celsius_to_sql(internal));
COMMENT ON TRANSFORM FOR engine.celsius LANGUAGE plharbor IS 'never used by plharbor';

-- -----------------------------------------------------------------------------
-- Text search parser and template, a dictionary and a configuration on them
-- -----------------------------------------------------------------------------
CREATE TEXT SEARCH PARSER engine.plain_parser (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end,
                                               LEXTYPES = prsd_lextype, HEADLINE = prsd_headline);
CREATE TEXT SEARCH TEMPLATE engine.plain_template (INIT = dsimple_init, LEXIZE = dsimple_lexize);
CREATE TEXT SEARCH DICTIONARY engine.plain_dictionary (TEMPLATE = engine.plain_template, STOPWORDS = english);
CREATE TEXT SEARCH CONFIGURATION engine.plain (PARSER = engine.plain_parser);
ALTER TEXT SEARCH CONFIGURATION engine.plain ADD MAPPING FOR asciiword, word WITH engine.plain_dictionary;
COMMENT ON TEXT SEARCH PARSER engine.plain_parser IS 'the default parser''s functions';
COMMENT ON TEXT SEARCH TEMPLATE engine.plain_template IS 'the simple template''s functions';

-- -----------------------------------------------------------------------------
-- Event triggers: enabled, disabled, REPLICA, ALWAYS (they do nothing)
-- -----------------------------------------------------------------------------
CREATE FUNCTION engine.ddl_seen() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
    NULL;
END
$$;
CREATE EVENT TRIGGER engine_ddl_end ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')
    EXECUTE FUNCTION engine.ddl_seen();
CREATE EVENT TRIGGER engine_drops ON sql_drop EXECUTE FUNCTION engine.ddl_seen();
ALTER EVENT TRIGGER engine_drops DISABLE;
CREATE EVENT TRIGGER engine_rewrites ON table_rewrite EXECUTE FUNCTION engine.ddl_seen();
ALTER EVENT TRIGGER engine_rewrites ENABLE REPLICA;
CREATE EVENT TRIGGER engine_ddl_start ON ddl_command_start WHEN TAG IN ('DROP TABLE')
    EXECUTE FUNCTION engine.ddl_seen();
ALTER EVENT TRIGGER engine_ddl_start ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER engine_ddl_end IS 'does nothing';

-- -----------------------------------------------------------------------------
-- Foreign data: a wrapper outside an extension and postgres_fdw's, servers, user mappings
-- (one without password_required), foreign tables with table and column options
-- -----------------------------------------------------------------------------
CREATE EXTENSION postgres_fdw SCHEMA engine;
CREATE FOREIGN DATA WRAPPER engine_null_wrapper OPTIONS (purpose 'never read');
CREATE SERVER engine_remote FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host '127.0.0.1', port '1', dbname 'elsewhere', fetch_size '500');
CREATE SERVER engine_nowhere TYPE 'archive' VERSION '1.0' FOREIGN DATA WRAPPER engine_null_wrapper;
CREATE USER MAPPING FOR PUBLIC SERVER engine_remote OPTIONS (user 'reader', password_required 'false');
CREATE USER MAPPING FOR CURRENT_USER SERVER engine_remote OPTIONS (user 'owner', password 'not-a-secret');
CREATE USER MAPPING FOR PUBLIC SERVER engine_nowhere;
CREATE FOREIGN TABLE engine.remote_calls (
    id bigint OPTIONS (column_name 'call_id') NOT NULL,
    port text COLLATE "C",
    fee numeric(12,2) DEFAULT 0
) SERVER engine_remote OPTIONS (schema_name 'harbor', table_name 'port_calls');
CREATE FOREIGN TABLE engine.archived (entry text) SERVER engine_nowhere;
COMMENT ON FOREIGN TABLE engine.remote_calls IS 'never read';
COMMENT ON SERVER engine_remote IS 'port 1: nothing listens';

-- -----------------------------------------------------------------------------
-- Publications for all tables and for tables in a schema; a subscription that never
-- connected (disabled, no slot)
-- -----------------------------------------------------------------------------
CREATE PUBLICATION tsm_eo_everything FOR ALL TABLES WITH (publish = 'insert, update, delete, truncate');
CREATE PUBLICATION tsm_eo_engine FOR TABLES IN SCHEMA engine WITH (publish = 'insert');
CREATE SUBSCRIPTION tsm_eo_inbox CONNECTION 'host=127.0.0.1 port=1 dbname=elsewhere'
    PUBLICATION upstream WITH (connect = false, enabled = false, create_slot = false, slot_name = NONE);
COMMENT ON SUBSCRIPTION tsm_eo_inbox IS 'never connected';

-- -----------------------------------------------------------------------------
-- pgvector (an untrusted extension) where the server has it: a vector column, an HNSW index
-- -----------------------------------------------------------------------------
\if :has_vector
CREATE EXTENSION vector SCHEMA engine;
CREATE TABLE engine.hull_shapes (
    vessel_id bigint PRIMARY KEY,
    shape engine.vector(3) NOT NULL
);
INSERT INTO engine.hull_shapes SELECT 100 + 5 * g, ARRAY[g, g / 2.0, g % 7]::engine.vector(3)
FROM generate_series(1, 300) AS g;
CREATE INDEX hull_shapes_hnsw ON engine.hull_shapes USING hnsw (shape engine.vector_l2_ops)
    WITH (m = 8, ef_construction = 32);
\endif

ANALYZE;
