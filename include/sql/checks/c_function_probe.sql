-- Whether the target's server has the library and symbol of a C function: a function made on them in pg_temp (which
-- loads the library and looks the symbol up), in a transaction the check rolls back. Superuser only.
CREATE FUNCTION pg_temp.tsm_library_probe() RETURNS void LANGUAGE c AS {library}, {symbol};
