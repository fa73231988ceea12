-- The libraries and symbols of the current database's functions in language C outside extensions (pg_dump writes
-- them as CREATE FUNCTION ... AS 'library', 'symbol'), each once, with one function that uses it.
SELECT p.probin AS library, p.prosrc AS symbol, min(p.oid::regprocedure::text) AS example, count(*) AS functions
FROM pg_proc p
JOIN pg_language l ON l.oid = p.prolang
WHERE l.lanname = 'c' AND p.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.deptype IN ('e', 'i'))
GROUP BY 1, 2
ORDER BY 1, 2;
