-- Whether the temporary view made from the source's query prints as the target's view %(view)s prints.
SELECT pg_get_viewdef('pg_temp.tsm_redeparse'::regclass) = pg_get_viewdef(%(view)s::regclass) AS same;
