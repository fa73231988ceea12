-- Inventory: user text search objects: configurations (parser and, per token type, the dictionaries in order),
-- dictionaries (template and options), parsers and templates (their functions).
SELECT 'configuration ' || quote_ident(n.nspname) || '.' || quote_ident(c.cfgname) AS name,
       concat_ws(' ', 'parser', (SELECT quote_ident(pn.nspname) || '.' || quote_ident(p.prsname)
                                 FROM pg_ts_parser p JOIN pg_namespace pn ON pn.oid = p.prsnamespace
                                 WHERE p.oid = c.cfgparser),
                 (SELECT string_agg(t.alias || '=' || d.dicts, '; ' ORDER BY t.alias)
                  FROM (SELECT m.maptokentype, string_agg(m.mapdict::regdictionary::text, ',' ORDER BY m.mapseqno) AS dicts
                        FROM pg_ts_config_map m WHERE m.mapcfg = c.oid GROUP BY m.maptokentype) AS d
                  JOIN ts_token_type(c.cfgparser) AS t ON t.tokid = d.maptokentype)) AS detail
FROM pg_ts_config c
JOIN pg_namespace n ON n.oid = c.cfgnamespace
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_ts_config'::regclass AND e.objid = c.oid AND e.deptype = 'e')
UNION ALL
SELECT 'dictionary ' || quote_ident(n.nspname) || '.' || quote_ident(d.dictname),
       concat_ws(' ', 'template', (SELECT quote_ident(tn.nspname) || '.' || quote_ident(t.tmplname)
                                   FROM pg_ts_template t JOIN pg_namespace tn ON tn.oid = t.tmplnamespace
                                   WHERE t.oid = d.dicttemplate),
                 'options (' || d.dictinitoption || ')')
FROM pg_ts_dict d
JOIN pg_namespace n ON n.oid = d.dictnamespace
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_ts_dict'::regclass AND e.objid = d.oid AND e.deptype = 'e')
UNION ALL
SELECT 'parser ' || quote_ident(n.nspname) || '.' || quote_ident(p.prsname),
       concat_ws(' ', 'start', p.prsstart::regprocedure::text, 'gettoken', p.prstoken::regprocedure::text,
                 'end', p.prsend::regprocedure::text, 'lextypes', p.prslextype::regprocedure::text,
                 CASE WHEN p.prsheadline <> 0 THEN 'headline ' || p.prsheadline::regprocedure::text END)
FROM pg_ts_parser p
JOIN pg_namespace n ON n.oid = p.prsnamespace
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_ts_parser'::regclass AND e.objid = p.oid AND e.deptype = 'e')
UNION ALL
SELECT 'template ' || quote_ident(n.nspname) || '.' || quote_ident(t.tmplname),
       concat_ws(' ', CASE WHEN t.tmplinit <> 0 THEN 'init ' || t.tmplinit::regprocedure::text END,
                 'lexize', t.tmpllexize::regprocedure::text)
FROM pg_ts_template t
JOIN pg_namespace n ON n.oid = t.tmplnamespace
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_ts_template'::regclass AND e.objid = t.oid AND e.deptype = 'e')
ORDER BY 1;
