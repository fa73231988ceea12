-- The attribute options set on columns of user relations (ALTER TABLE ... ALTER COLUMN ... SET (name = value)), by
-- name: one value of each, and on how many columns. pg_dump writes them back as such statements, so each name must
-- be one the target accepts. A user may set only n_distinct and n_distinct_inherited; a server may write options of
-- its own (named pg_...), which a pg_dump that does not know them writes too.
SELECT split_part(o, '=', 1) AS name, min(substr(o, strpos(o, '=') + 1)) AS value, count(*) AS columns
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL unnest(a.attoptions) AS o
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p', 'f', 'm')
  AND {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
GROUP BY 1
ORDER BY 1;
