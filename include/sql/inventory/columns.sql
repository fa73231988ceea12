-- Inventory: columns of user tables, views, materialized views, foreign tables and composite types with type,
-- nullability, identity, generation (stored or virtual), collation, default, and what a column may set apart from
-- its type: storage, compression, statistics target, attribute options, foreign-data options; whether it is
-- inherited. Version differences are read so that they mean the same: a statistics target left at its default is
-- -1 before PostgreSQL 17 and NULL from 17 (neither is shown); compression exists from 14 (read through to_jsonb);
-- attribute options the server sets itself (named pg_..., such as the pg_attver a PostgreSQL 17 build here writes on
-- every column, a value of its own that pg_dump carries only in binary upgrades) are left out: a user can set only
-- n_distinct and n_distinct_inherited.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(a.attname) AS name,
       concat_ws(' ',
                 format_type(a.atttypid, a.atttypmod),
                 CASE WHEN a.attnotnull THEN 'not null' END,
                 CASE a.attidentity WHEN 'a' THEN 'identity always' WHEN 'd' THEN 'identity by default' END,
                 CASE WHEN a.attgenerated = 's' THEN 'generated ' || pg_get_expr(ad.adbin, ad.adrelid)
                      WHEN a.attgenerated = 'v' THEN 'generated virtual ' || pg_get_expr(ad.adbin, ad.adrelid) END,
                 CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
                      THEN 'collate ' || (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
                                          FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                                          WHERE co.oid = a.attcollation) END,
                 CASE WHEN a.attgenerated = '' AND ad.adbin IS NOT NULL
                      THEN 'default ' || pg_get_expr(ad.adbin, ad.adrelid) END,
                 CASE WHEN a.attstorage <> t.typstorage THEN 'storage ' || a.attstorage::text END,
                 CASE WHEN coalesce(to_jsonb(a) ->> 'attcompression', '') <> ''
                      THEN 'compression ' || (to_jsonb(a) ->> 'attcompression') END,
                 CASE WHEN a.attstattarget >= 0 THEN 'statistics ' || a.attstattarget END,
                 (SELECT 'options (' || string_agg(o, ', ' ORDER BY o) || ')'
                  FROM unnest(a.attoptions) AS o WHERE NOT starts_with(o, 'pg_')),
                 (SELECT 'fdw options (' || string_agg(o, ', ' ORDER BY o) || ')' FROM unnest(a.attfdwoptions) AS o),
                 CASE WHEN a.attinhcount > 0 THEN 'inherited' || CASE WHEN a.attislocal THEN ' and local' END END
       ) AS detail
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
  AND {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = c.reltype AND d.deptype = 'e')
ORDER BY 1;
