-- Inventory: user operator classes: index method, type, whether default, storage type, family.
SELECT quote_ident(n.nspname) || '.' || quote_ident(o.opcname) || ' using ' || quote_ident(a.amname) AS name,
       concat_ws(' ', 'for', format_type(o.opcintype, NULL), CASE WHEN o.opcdefault THEN 'default' END,
                 CASE WHEN o.opckeytype <> 0 THEN 'storage ' || format_type(o.opckeytype, NULL) END,
                 'family', (SELECT quote_ident(fn.nspname) || '.' || quote_ident(f.opfname)
                            FROM pg_opfamily f JOIN pg_namespace fn ON fn.oid = f.opfnamespace
                            WHERE f.oid = o.opcfamily)) AS detail
FROM pg_opclass o
JOIN pg_namespace n ON n.oid = o.opcnamespace
JOIN pg_am a ON a.oid = o.opcmethod
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_opclass'::regclass AND d.objid = o.oid AND d.deptype = 'e')
ORDER BY 1;
