-- Inventory: comments on user objects (tables, columns, functions, types, schemas...), as object -> text hash.
SELECT o.type || ' ' || o.identity AS name, md5(d.description) AS detail
FROM pg_description d
CROSS JOIN LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) AS o
WHERE d.objoid >= 16384
  AND d.classoid <> 'pg_extension'::regclass
  AND o.schema IS DISTINCT FROM 'pg_catalog'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = d.classoid AND e.objid = d.objoid AND e.deptype = 'e')
  AND NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = o.schema
                  AND EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_namespace'::regclass
                              AND e.objid = n.oid AND e.deptype = 'e'))
ORDER BY 1;
