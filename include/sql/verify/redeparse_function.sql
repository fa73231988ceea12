-- Whether the temporary function made from the source's definition prints as the target's function %(function)s
-- prints, each without its first line (which names it).
SELECT regexp_replace(pg_get_functiondef(to_regproc('pg_temp.tsm_redeparse')), '^[^\n]*\n', '')
         = regexp_replace(pg_get_functiondef(%(function)s::regprocedure), '^[^\n]*\n', '') AS same;
