-- TimescaleDB's user background jobs (policies and custom jobs, id 1000 and up) and whether each is scheduled.
SELECT id, scheduled, proc_schema || '.' || proc_name AS proc FROM _timescaledb_config.bgw_job WHERE id >= 1000 ORDER BY id;
