-- Hypertables preflight: the columns of one source table: type (a domain's base type too), nullability,
-- generation, whether the type hashes (a hash dimension needs a default hash operator class), and the name the
-- verification's inventory gives the column.
SELECT a.attname::text AS column_name,
       a.atttypid::regtype::text AS type_name,
       a.attnotnull AS not_null,
       a.attgenerated <> '' AS generated,
       EXISTS (SELECT 1 FROM pg_opclass o JOIN pg_am m ON m.oid = o.opcmethod
               WHERE m.amname = 'hash' AND o.opcdefault
                 AND o.opcintype IN (a.atttypid, t.typbasetype,
                                     CASE WHEN t.typcategory = 'A' THEN 'anyarray'::regtype END,
                                     CASE WHEN t.typtype = 'e' THEN 'anyenum'::regtype END)) AS hashable,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(a.attname) AS inventory_name
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = %(oid)s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;
