-- Inventory: subscriptions of the current database: enabled or not, publications, slot (not the connection
-- string, which may hold a password and which a login without superuser may not read).
SELECT quote_ident(s.subname) AS name,
       concat_ws(' ', CASE WHEN s.subenabled THEN 'enabled' ELSE 'disabled' END,
                 'publications ' || array_to_string(s.subpublications, ','),
                 'slot ' || coalesce(quote_ident(s.subslotname), 'none')) AS detail
FROM pg_subscription s
WHERE s.subdbid = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
ORDER BY 1;
