-- Put the database in restore mode (timescaledb.restoring = on, background workers stopped), schema-qualified.
SELECT {schema}.timescaledb_pre_restore();
