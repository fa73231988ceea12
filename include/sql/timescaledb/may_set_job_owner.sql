-- Whether the current login may set a job's owner in TimescaleDB's catalog (UPDATE on _timescaledb_config.bgw_job:
-- a superuser, or a login the platform gave it to).
SELECT has_table_privilege('_timescaledb_config.bgw_job', 'UPDATE') AS may_update;
