-- The whole definition of every user function and procedure with an SQL-standard body (BEGIN ATOMIC or RETURN:
-- stored parsed, printed by the server, so it prints differently on another major version), as pg_get_functiondef()
-- writes it, kept so that a target of another major version can deparse it again (verify/normalize.py). Never
-- compared itself.
SELECT p.oid::regprocedure::text AS name, pg_get_functiondef(p.oid) AS detail
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE l.lanname = 'sql' AND p.prokind IN ('f', 'p') AND p.prosrc = ''
  AND {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1;
