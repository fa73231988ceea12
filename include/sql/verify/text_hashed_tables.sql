-- Relations whose rows must be hashed by their text form: a column (or an array's element, or a domain's
-- base type) that is an enum (hashed by its label's OID, which differs between servers), a composite, or an
-- OID-valued type (oid, regclass, ...), or text in a non-deterministic collation (hashed through ICU sort keys,
-- which change between ICU versions). Types without an extended hash function are found at run time.
SELECT DISTINCT n.nspname AS schema_name, c.relname AS table_name
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type elem ON elem.oid = t.typelem AND t.typcategory = 'A'
JOIN pg_type u ON u.oid = coalesce(elem.oid, t.oid)
LEFT JOIN pg_type base ON base.oid = u.typbasetype AND u.typtype = 'd'
JOIN pg_type r ON r.oid = coalesce(base.oid, u.oid)
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'm')
  AND (r.typtype IN ('e', 'c')
       OR EXISTS (SELECT 1 FROM pg_collation co WHERE co.oid = a.attcollation AND NOT co.collisdeterministic)
       OR r.oid IN ('oid'::regtype, 'regclass'::regtype, 'regtype'::regtype, 'regproc'::regtype,
                    'regprocedure'::regtype, 'regoper'::regtype, 'regoperator'::regtype, 'regconfig'::regtype,
                    'regdictionary'::regtype, 'regnamespace'::regtype, 'regrole'::regtype,
                    'regcollation'::regtype));
