-- Tablespaces other than the default that the current database uses: its own default, and each tablespace its
-- relations are in (with how many).
SELECT t.spcname AS name, count(c.oid) AS relations,
       t.oid = (SELECT dattablespace FROM pg_database WHERE datname = current_database()) AS database_default
FROM pg_tablespace t
LEFT JOIN pg_class c ON c.reltablespace = t.oid
WHERE t.spcname NOT IN ('pg_default', 'pg_global')
  AND (c.oid IS NOT NULL OR t.oid = (SELECT dattablespace FROM pg_database WHERE datname = current_database()))
GROUP BY t.oid, t.spcname
ORDER BY 1;
