-- Owner and privileges of every object a migration carries (schemas, tables, views, materialized views,
-- sequences, foreign tables, columns with grants, functions, procedures, aggregates, types, domains, large
-- objects), leaving
-- out system schemas and extension members. acl: [grantee ("PUBLIC" for everyone), privilege, grantable], with
-- the owner's implicit defaults spelled out (acldefault), so both sides compare the same way.
WITH objs AS (
    SELECT 'schema' AS kind, NULL::name AS schema_name, n.nspname AS object_name, NULL::text AS sub_name,
           n.nspowner AS owner, coalesce(n.nspacl, acldefault('n', n.nspowner)) AS acl, false AS linked,
           'pg_namespace'::regclass AS classid, n.oid AS objid
    FROM pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
    UNION ALL
    SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                          WHEN 'f' THEN 'foreign table' ELSE 'table' END,
           n.nspname, c.relname, NULL, c.relowner,
           coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)),
           c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d
                                       WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                         AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')),
           'pg_class'::regclass, c.oid
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    UNION ALL
    SELECT 'column', n.nspname, c.relname, a.attname, c.relowner, a.attacl, false, 'pg_class'::regclass, c.oid
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
           n.nspname, p.proname,
           -- a procedure's arguments without the mode IN, printed from PostgreSQL 14 on (13 prints none)
           CASE WHEN p.prokind = 'p'
                THEN regexp_replace(pg_get_function_identity_arguments(p.oid), '(^|, )IN ', '\1', 'g')
                ELSE pg_get_function_identity_arguments(p.oid) END,
           p.proowner, coalesce(p.proacl, acldefault('f', p.proowner)),
           false, 'pg_proc'::regclass, p.oid
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.prokind IN ('f', 'p', 'a', 'w')
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, n.nspname, t.typname, NULL, t.typowner,
           coalesce(t.typacl, acldefault('T', t.typowner)), false, 'pg_type'::regclass, t.oid
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE t.typtype IN ('d', 'e', 'r', 'c') AND t.typcategory <> 'A'
      AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
    UNION ALL
    SELECT 'large object', NULL, l.oid::text, NULL, l.lomowner, coalesce(l.lomacl, acldefault('L', l.lomowner)),
           false, 'pg_largeobject'::regclass, l.oid
    FROM pg_largeobject_metadata l
)
SELECT o.kind, o.schema_name, o.object_name, o.sub_name, pg_get_userbyid(o.owner) AS owner, o.linked,
       (SELECT coalesce(json_agg(json_build_array(CASE WHEN e.grantee = 0 THEN 'PUBLIC'
                                                       ELSE pg_get_userbyid(e.grantee) END,
                                                  e.privilege_type, e.is_grantable)), '[]'::json)
        FROM aclexplode(o.acl) AS e) AS acl
FROM objs o
WHERE (o.schema_name IS NULL OR (o.schema_name NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                                 AND o.schema_name NOT LIKE 'pg\_temp\_%'
                                 AND o.schema_name NOT LIKE 'pg\_toast\_temp\_%'))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = o.classid AND d.objid = o.objid AND d.deptype = 'e')
  -- functions the server made for another object (a range type's constructors): they stay the bootstrap
  -- superuser's on every server and follow their object
  AND NOT (o.classid = 'pg_proc'::regclass
           AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = o.classid AND d.objid = o.objid
                                                 AND d.deptype = 'i'))
ORDER BY 1, 2, 3, 4;
