-- Hypertables preflight: every primary key, unique constraint, unique index and exclusion constraint of one
-- source table, with its key columns (expressions and INCLUDE columns left out: TimescaleDB needs each
-- partitioning column among the plain key columns).
SELECT i.relname::text AS index_name,
       CASE k.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique constraint'
                      WHEN 'x' THEN 'exclusion constraint' ELSE 'unique index' END AS kind,
       array(SELECT a.attname::text
             FROM unnest(x.indkey) WITH ORDINALITY AS u(attnum, n)
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.attnum
             WHERE u.n <= x.indnkeyatts
             ORDER BY u.n) AS columns
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
LEFT JOIN pg_constraint k ON k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x')
WHERE x.indrelid = %(oid)s AND (x.indisunique OR x.indisexclusion)
ORDER BY 1;
