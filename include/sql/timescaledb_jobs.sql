-- TimescaleDB: user background jobs (policies and custom jobs; id 1000 and up) with schedule and config.
SELECT concat_ws(' ', proc_schema || '.' || proc_name, 'on',
                 coalesce(quote_ident(hypertable_schema) || '.' || quote_ident(hypertable_name), '-')) AS name,
       concat_ws(' ', 'every', schedule_interval::text, 'scheduled', scheduled::text, 'config', config::text)
         AS detail
FROM timescaledb_information.jobs
WHERE job_id >= 1000
ORDER BY 1;
