-- Text search dictionaries of the current database on a template of the system (pg_catalog), with their options:
-- several read files of the server's tsearch_data directory (synonym, thesaurus, ispell, snowball and simple stop
-- words), which the target's server must have too. Dictionaries on a template of their own or of an extension are
-- left out (the template is the other checks' concern).
SELECT quote_ident(n.nspname) || '.' || quote_ident(d.dictname) AS name, t.tmplname AS template,
       d.dictinitoption AS options
FROM pg_ts_dict d
JOIN pg_namespace n ON n.oid = d.dictnamespace
JOIN pg_ts_template t ON t.oid = d.dicttemplate
JOIN pg_namespace tn ON tn.oid = t.tmplnamespace
WHERE tn.nspname = 'pg_catalog'
  AND d.oid >= 16384
  AND {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_ts_dict'::regclass AND e.objid = d.oid AND e.deptype = 'e')
ORDER BY 1;
