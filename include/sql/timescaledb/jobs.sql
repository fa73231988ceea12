-- TimescaleDB: user background jobs (policies and custom jobs; id 1000 and up) with every setting that must
-- arrive as it was: schedule, whether scheduled, config, owner, fixed schedule, initial start, time zone,
-- runtime and retry limits, check function. Ids stay what they were (configs and chunk names embed them).
SELECT {{timescaledb_job_name}} AS name,
       concat_ws(' ', 'every', j.schedule_interval::text, 'scheduled', j.scheduled::text,
                 'fixed_schedule', j.fixed_schedule::text, 'initial_start', coalesce(j.initial_start::text, '-'),
                 'timezone', coalesce(j.timezone, '-'), 'owner', j.owner::text,
                 'max_runtime', j.max_runtime::text, 'max_retries', j.max_retries::text,
                 'retry_period', j.retry_period::text,
                 'check', coalesce(quote_ident(j.check_schema) || '.' || quote_ident(j.check_name), '-'),
                 'config', coalesce(j.config::text, '-')) AS detail
FROM _timescaledb_config.bgw_job j
LEFT JOIN _timescaledb_catalog.hypertable h ON h.id = j.hypertable_id
WHERE j.id >= 1000
ORDER BY j.id;
