-- Inventory: publications: what they publish (all tables; the tables, with the column lists and row filters of
-- PostgreSQL 15+; the schemas of FOR TABLES IN SCHEMA, 15+), which operations, through the partition root or not.
-- What a version lacks is read through to_jsonb, or asked with query_to_xml only where it exists.
SELECT quote_ident(p.pubname) AS name,
       concat_ws(' ',
                 CASE WHEN p.puballtables THEN 'all tables' END,
                 'publish', concat_ws(',', CASE WHEN p.pubinsert THEN 'insert' END,
                                      CASE WHEN p.pubupdate THEN 'update' END, CASE WHEN p.pubdelete THEN 'delete' END,
                                      CASE WHEN p.pubtruncate THEN 'truncate' END),
                 CASE WHEN (to_jsonb(p) ->> 'pubviaroot')::boolean THEN 'via root' END,
                 CASE WHEN to_regclass('pg_catalog.pg_publication_namespace') IS NOT NULL THEN
                      (SELECT 'schemas ' || string_agg(x::text, ',' ORDER BY x::text)
                       FROM unnest(xpath('/table/row/s/text()', query_to_xml(format(
                           'SELECT quote_ident(n.nspname) AS s FROM pg_catalog.pg_publication_namespace s '
                           'JOIN pg_catalog.pg_namespace n ON n.oid = s.pnnspid WHERE s.pnpubid = %s', p.oid),
                           false, false, ''))) AS x) END,
                 (SELECT 'tables ' || string_agg(concat_ws(' ', r.prrelid::regclass::text,
                      (SELECT 'columns ' || string_agg(quote_ident(a.attname), ',' ORDER BY a.attnum)
                       FROM pg_attribute a
                       WHERE a.attrelid = r.prrelid
                         AND a.attnum IN (SELECT jsonb_array_elements_text(CASE jsonb_typeof(to_jsonb(r) -> 'prattrs')
                                                               WHEN 'array' THEN to_jsonb(r) -> 'prattrs'
                                                               ELSE '[]' END)::smallint)),
                      CASE WHEN to_jsonb(r) ->> 'prqual' IS NOT NULL THEN
                           'where ' || (xpath('/table/row/f/text()', query_to_xml(format(
                               'SELECT pg_catalog.pg_get_expr(prqual, prrelid) AS f FROM pg_catalog.pg_publication_rel '
                               'WHERE oid = %s', r.oid), false, false, '')))[1]::text END),
                      '; ' ORDER BY r.prrelid::regclass::text)
                  FROM pg_publication_rel r WHERE r.prpubid = p.oid)) AS detail
FROM pg_publication p
ORDER BY 1;
