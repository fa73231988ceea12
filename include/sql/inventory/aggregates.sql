-- Inventory: user aggregates: kind (normal, ordered-set, hypothetical-set) and direct arguments, transition,
-- final, combine, serialization functions and state type, initial value, moving-aggregate support, sort operator.
SELECT a.aggfnoid::regprocedure::text AS name,
       concat_ws(' ', CASE a.aggkind WHEN 'n' THEN 'normal' WHEN 'o' THEN 'ordered-set' ELSE 'hypothetical-set' END,
                 CASE WHEN a.aggnumdirectargs > 0 THEN 'direct ' || a.aggnumdirectargs END,
                 'sfunc', a.aggtransfn::regprocedure::text, 'stype', format_type(a.aggtranstype, NULL),
                 CASE WHEN a.aggtransspace > 0 THEN 'sspace ' || a.aggtransspace END,
                 CASE WHEN a.aggfinalfn <> 0 THEN 'finalfunc ' || a.aggfinalfn::regprocedure::text END,
                 CASE WHEN a.aggfinalextra THEN 'final extra' END,
                 'final modify ' || a.aggfinalmodify::text,
                 CASE WHEN a.aggcombinefn <> 0 THEN 'combinefunc ' || a.aggcombinefn::regprocedure::text END,
                 CASE WHEN a.aggserialfn <> 0 THEN 'serialfunc ' || a.aggserialfn::regprocedure::text END,
                 CASE WHEN a.aggdeserialfn <> 0 THEN 'deserialfunc ' || a.aggdeserialfn::regprocedure::text END,
                 'initcond ' || quote_literal(a.agginitval),
                 CASE WHEN a.aggmtransfn <> 0 THEN concat_ws(' ', 'msfunc', a.aggmtransfn::regprocedure::text,
                      'minvfunc', a.aggminvtransfn::regprocedure::text, 'mstype', format_type(a.aggmtranstype, NULL),
                      CASE WHEN a.aggmfinalfn <> 0 THEN 'mfinalfunc ' || a.aggmfinalfn::regprocedure::text END,
                      CASE WHEN a.aggmfinalextra THEN 'mfinal extra' END, 'mfinal modify ' || a.aggmfinalmodify::text,
                      'minitcond ' || quote_literal(a.aggminitval)) END,
                 CASE WHEN a.aggsortop <> 0 THEN 'sortop ' || a.aggsortop::regoperator::text END) AS detail
FROM pg_aggregate a
JOIN pg_proc p ON p.oid = a.aggfnoid
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1;
