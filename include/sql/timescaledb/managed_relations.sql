-- TimescaleDB: the relations whose owner and privileges TimescaleDB derives from another object (it refuses
-- ALTER ... OWNER on them, and ALTER/GRANT on their parent reaches them), and each continuous aggregate's view,
-- which takes ALTER MATERIALIZED VIEW. role: 'continuous aggregate' (the user's view), 'chunk' (a chunk or a
-- compressed chunk, wherever its schema) or 'internal' (a materialization or compressed hypertable, an aggregate's
-- partial and direct views, anything else in TimescaleDB's own schemas); parent_*: the hypertable or continuous
-- aggregate they derive from (parent_kind 'table' or 'continuous aggregate'; NULL where none is known).
-- Every TimescaleDB version from 2.13 on (the chunk catalog through the timescaledb_chunks fragment; 2.29 on have no
-- compressed hypertables).
WITH hypertable_parent AS (
    -- every hypertable with the user-facing object its owner and grants come from
    SELECT h.id, h.schema_name, h.table_name,
           coalesce(agg.user_view_schema, compressed_of.schema_name, h.schema_name) AS parent_schema,
           coalesce(agg.user_view_name, compressed_of.table_name, h.table_name) AS parent_name,
           CASE WHEN agg.mat_hypertable_id IS NOT NULL THEN 'continuous aggregate' ELSE 'table' END AS parent_kind,
           agg.mat_hypertable_id IS NOT NULL OR compressed_of.id IS NOT NULL AS internal
    FROM _timescaledb_catalog.hypertable h
    LEFT JOIN _timescaledb_catalog.hypertable compressed_of ON compressed_of.compressed_hypertable_id = h.id
    LEFT JOIN _timescaledb_catalog.continuous_agg agg
           ON agg.mat_hypertable_id = coalesce(compressed_of.id, h.id)
), chunks AS (
    SELECT c.relid, c.hypertable_id, c.dropped, c.compressed_relid FROM {{timescaledb_chunks}} c
), chunk_relations AS (
    SELECT c.relid, c.hypertable_id FROM chunks c WHERE NOT c.dropped AND c.relid IS NOT NULL
    UNION
    SELECT c.compressed_relid, c.hypertable_id FROM chunks c WHERE c.compressed_relid IS NOT NULL
), classified AS (
    SELECT n.nspname AS schema_name, r.relname AS relation_name, 'chunk' AS role,
           p.parent_schema, p.parent_name, p.parent_kind
    FROM chunk_relations c
    JOIN pg_class r ON r.oid = c.relid
    JOIN pg_namespace n ON n.oid = r.relnamespace
    JOIN hypertable_parent p ON p.id = c.hypertable_id
    UNION ALL
    SELECT p.schema_name, p.table_name, 'internal', p.parent_schema, p.parent_name, p.parent_kind
    FROM hypertable_parent p
    WHERE p.internal
    UNION ALL
    SELECT a.user_view_schema, a.user_view_name, 'continuous aggregate', NULL, NULL, NULL
    FROM _timescaledb_catalog.continuous_agg a
    UNION ALL
    SELECT v.view_schema, v.view_name, 'internal', a.user_view_schema, a.user_view_name, 'continuous aggregate'
    FROM _timescaledb_catalog.continuous_agg a
    CROSS JOIN LATERAL (VALUES (a.partial_view_schema, a.partial_view_name),
                               (a.direct_view_schema, a.direct_view_name)) AS v(view_schema, view_name)
    UNION ALL
    SELECT n.nspname, r.relname, 'internal', NULL, NULL, NULL
    FROM pg_class r
    JOIN pg_namespace n ON n.oid = r.relnamespace
    WHERE n.nspname LIKE '\_timescaledb\_%' AND r.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid
                                                 AND d.deptype = 'e')
)
SELECT DISTINCT ON (schema_name, relation_name)
       schema_name::text AS schema_name, relation_name::text AS relation_name, role,
       parent_schema::text AS parent_schema, parent_name::text AS parent_name, parent_kind
FROM classified
ORDER BY schema_name, relation_name, parent_name IS NULL, role = 'internal';
