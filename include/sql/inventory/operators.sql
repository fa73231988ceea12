-- Inventory: user operators: result, function, commutator, negator, selectivity estimators, HASHES, MERGES.
SELECT o.oid::regoperator::text AS name,
       concat_ws(' ', 'returns', format_type(o.oprresult, NULL), 'function', o.oprcode::regprocedure::text,
                 CASE WHEN o.oprcom <> 0 THEN 'commutator ' || o.oprcom::regoperator::text END,
                 CASE WHEN o.oprnegate <> 0 THEN 'negator ' || o.oprnegate::regoperator::text END,
                 CASE WHEN o.oprrest <> 0 THEN 'restrict ' || o.oprrest::regprocedure::text END,
                 CASE WHEN o.oprjoin <> 0 THEN 'join ' || o.oprjoin::regprocedure::text END,
                 CASE WHEN o.oprcanhash THEN 'hashes' END, CASE WHEN o.oprcanmerge THEN 'merges' END) AS detail
FROM pg_operator o
JOIN pg_namespace n ON n.oid = o.oprnamespace
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_operator'::regclass AND d.objid = o.oid AND d.deptype = 'e')
ORDER BY 1;
