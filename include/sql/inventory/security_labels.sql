-- Inventory: security labels on objects of the database (not on roles, databases or tablespaces, which pg_dump of
-- one database does not carry), by object and label provider.
SELECT l.objtype || ' ' || l.objname || ' provider ' || quote_ident(l.provider) AS name, l.label AS detail
FROM pg_seclabels l
WHERE l.objtype NOT IN ('role', 'database', 'tablespace')
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = l.classoid AND e.objid = l.objoid AND e.deptype = 'e')
ORDER BY 1;
