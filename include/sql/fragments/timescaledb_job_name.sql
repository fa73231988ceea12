-- A TimescaleDB job's name in the jobs inventory and in findings: "job <id> <procedure> on <hypertable or ->".
-- A query includes it as {{timescaledb_job_name}} where _timescaledb_config.bgw_job is aliased j and its
-- hypertable (_timescaledb_catalog.hypertable, LEFT JOINed on j.hypertable_id) h.
concat_ws(' ', 'job', j.id::text, quote_ident(j.proc_schema) || '.' || quote_ident(j.proc_name), 'on',
          coalesce(quote_ident(h.schema_name) || '.' || quote_ident(h.table_name), '-'))
