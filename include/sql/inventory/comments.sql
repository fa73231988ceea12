-- Inventory: comments on user objects (tables, columns, functions, types, schemas...), as object -> text hash. An
-- object is named as pg_identify_object() names it, in its newest form where versions name it differently (a
-- transform is "for T on language L" before PostgreSQL 16 and "for T language L" from 16). A comment left behind by
-- an object that no longer exists (no identity) is not a comment pg_dump carries.
SELECT o.type || ' ' || CASE WHEN o.type = 'transform' THEN replace(o.identity, ' on language ', ' language ')
                             ELSE o.identity END AS name,
       md5(d.description) AS detail
FROM pg_description d
CROSS JOIN LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) AS o
WHERE d.objoid >= 16384
  AND o.identity IS NOT NULL
  AND d.classoid <> 'pg_extension'::regclass
  AND o.schema IS DISTINCT FROM 'pg_catalog'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = d.classoid AND e.objid = d.objoid AND e.deptype = 'e')
  AND NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = o.schema
                  AND EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_namespace'::regclass
                              AND e.objid = n.oid AND e.deptype = 'e'))
ORDER BY 1;
