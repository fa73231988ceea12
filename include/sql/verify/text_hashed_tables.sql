-- Relations whose rows must be hashed by their text form: a column whose type is, or is built from (array elements,
-- a domain's base type, a range's subtype, a multirange's range, at any depth), an enum (hashed by its label's OID,
-- which differs between servers: a range of enum values too), a composite, or an OID-valued type (oid, regclass,
-- ...); or text in a non-deterministic collation (hashed through ICU sort keys, which change between ICU versions).
-- Types without an extended hash function are found at run time.
WITH RECURSIVE column_types AS (
    SELECT DISTINCT a.attrelid, a.atttypid AS typid, a.attcollation
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'm')
), parts AS (
    SELECT DISTINCT typid AS root, typid AS part FROM column_types
    UNION
    SELECT p.root, x.inner_type
    FROM parts p
    JOIN pg_type t ON t.oid = p.part
    CROSS JOIN LATERAL (VALUES (CASE WHEN t.typcategory = 'A' THEN t.typelem END),
                               (CASE WHEN t.typtype = 'd' THEN t.typbasetype END),
                               ((SELECT r.rngsubtype FROM pg_range r WHERE r.rngtypid = t.oid)),
                               ((SELECT r.rngtypid FROM pg_range r
                                 WHERE (to_jsonb(r) ->> 'rngmultitypid')::oid = t.oid))) AS x(inner_type)
    WHERE x.inner_type IS NOT NULL AND x.inner_type <> 0
), by_text AS (
    SELECT DISTINCT p.root
    FROM parts p
    JOIN pg_type t ON t.oid = p.part
    WHERE t.typtype IN ('e', 'c')
       OR t.oid IN ('oid'::regtype, 'regclass'::regtype, 'regtype'::regtype, 'regproc'::regtype,
                    'regprocedure'::regtype, 'regoper'::regtype, 'regoperator'::regtype, 'regconfig'::regtype,
                    'regdictionary'::regtype, 'regnamespace'::regtype, 'regrole'::regtype,
                    'regcollation'::regtype)
)
SELECT DISTINCT n.nspname AS schema_name, c.relname AS table_name
FROM column_types ct
JOIN pg_class c ON c.oid = ct.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE ct.typid IN (SELECT root FROM by_text)
   OR EXISTS (SELECT 1 FROM pg_collation co WHERE co.oid = ct.attcollation AND NOT co.collisdeterministic);
