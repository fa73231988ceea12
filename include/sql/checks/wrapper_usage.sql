-- Foreign-data wrappers of the current database and whether the current login may use them (create servers).
SELECT w.fdwname AS wrapper, has_foreign_data_wrapper_privilege(w.oid, 'USAGE') AS usable
FROM pg_foreign_data_wrapper w;
