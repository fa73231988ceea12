-- Foreign servers of the current database with the wrapper each uses.
SELECT quote_ident(s.srvname) AS name, w.fdwname AS wrapper
FROM pg_foreign_server s
JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
ORDER BY 1;
