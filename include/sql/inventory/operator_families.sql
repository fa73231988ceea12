-- Inventory: user operator families with every member: operators (strategy, types, search or ordering) and
-- support functions (number, types), whether in one of its classes or loose.
SELECT quote_ident(n.nspname) || '.' || quote_ident(f.opfname) || ' using ' || quote_ident(a.amname) AS name,
       concat_ws(' ',
                 'operators', coalesce((SELECT string_agg(format('%s(%s,%s) %s%s', m.amopstrategy,
                                                                 format_type(m.amoplefttype, NULL),
                                                                 format_type(m.amoprighttype, NULL),
                                                                 m.amopopr::regoperator::text,
                                                                 CASE WHEN m.amoppurpose = 'o' THEN ' for order by' ELSE '' END),
                                                          '; ' ORDER BY m.amopstrategy, m.amoplefttype::regtype::text,
                                                                        m.amoprighttype::regtype::text)
                                        FROM pg_amop m WHERE m.amopfamily = f.oid), '-'),
                 'functions', coalesce((SELECT string_agg(format('%s(%s,%s) %s', s.amprocnum,
                                                                 format_type(s.amproclefttype, NULL),
                                                                 format_type(s.amprocrighttype, NULL),
                                                                 s.amproc::regprocedure::text),
                                                          '; ' ORDER BY s.amprocnum, s.amproclefttype::regtype::text,
                                                                        s.amprocrighttype::regtype::text)
                                        FROM pg_amproc s WHERE s.amprocfamily = f.oid), '-')) AS detail
FROM pg_opfamily f
JOIN pg_namespace n ON n.oid = f.opfnamespace
JOIN pg_am a ON a.oid = f.opfmethod
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_opfamily'::regclass AND d.objid = f.oid AND d.deptype = 'e')
ORDER BY 1;
