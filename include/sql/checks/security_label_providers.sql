-- Security labels on objects of the current database (pg_dump carries them: SECURITY LABEL FOR provider ON ...),
-- by label provider: one label, how many objects, one of them.
SELECT l.provider, min(l.label) AS label, count(*) AS objects, min(l.objtype || ' ' || l.objname) AS example
FROM pg_seclabels l
WHERE l.objtype NOT IN ('role', 'database', 'tablespace')
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = l.classoid AND e.objid = l.objoid AND e.deptype = 'e')
GROUP BY l.provider
ORDER BY 1;
