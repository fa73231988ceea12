-- Inventory: user functions and procedures with kind, language, result type and a hash of their body.
SELECT p.oid::regprocedure::text AS name,
       concat_ws(' ', p.prokind, l.lanname, 'returns', pg_get_function_result(p.oid),
                 CASE WHEN p.prosecdef THEN 'security definer' END, 'body', md5(coalesce(p.prosrc, ''))) AS detail
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1;
