-- Subscriptions of the current database (only the columns every login may read).
SELECT quote_ident(s.subname) AS name, s.subenabled AS enabled
FROM pg_subscription s
WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY 1;
