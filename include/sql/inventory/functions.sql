-- Inventory: user functions, procedures and aggregates: kind, language, arguments with their defaults, result,
-- volatility, strictness, security, leakproofness, parallel safety, cost and rows, settings, support function,
-- and a hash of the whole definition as pg_get_functiondef() writes it (the body of an SQL-standard function,
-- BEGIN ATOMIC or RETURN, included: it is not in prosrc). An aggregate's own parts are inventory/aggregates.
-- A procedure's arguments are written without the mode IN, which PostgreSQL 14 on print and 13 does not (the same
-- procedure; a procedure has had OUT arguments since 14, so its every argument carries a mode there).
SELECT p.oid::regprocedure::text AS name,
       concat_ws(' ', CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
                                     WHEN 'w' THEN 'window function' END,
                 l.lanname, '(' || a.arguments || ')',
                 'returns ' || pg_get_function_result(p.oid),
                 CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END,
                 CASE WHEN p.proisstrict THEN 'strict' END,
                 CASE WHEN p.prosecdef THEN 'security definer' END,
                 CASE WHEN p.proleakproof THEN 'leakproof' END,
                 CASE p.proparallel WHEN 's' THEN 'parallel safe' WHEN 'r' THEN 'parallel restricted' END,
                 'cost ' || p.procost, CASE WHEN p.prorows > 0 THEN 'rows ' || p.prorows END,
                 CASE WHEN p.prosupport <> 0 THEN 'support ' || p.prosupport::regprocedure::text END,
                 'set (' || array_to_string(p.proconfig, ', ') || ')',
                 CASE WHEN p.prokind <> 'a' THEN 'definition ' || md5(def_parts.header || def_parts.rest) END) AS detail
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
CROSS JOIN LATERAL (SELECT CASE WHEN p.prokind = 'p'
                                THEN regexp_replace(pg_get_function_arguments(p.oid), '(^|, )IN ', '\1', 'g')
                                ELSE pg_get_function_arguments(p.oid) END AS arguments) AS a
CROSS JOIN LATERAL (SELECT CASE WHEN p.prokind = 'p'
                                THEN regexp_replace(split_part(f.def, E'\n', 1), '(\(|, )IN ', '\1', 'g')
                                ELSE split_part(f.def, E'\n', 1) END AS header,
                           substr(f.def, length(split_part(f.def, E'\n', 1)) + 1) AS rest
                    FROM (SELECT CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END AS def) AS f) AS def_parts
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1;
