-- TimescaleDB: how many chunks one hypertable has.
SELECT count(*) AS chunks FROM {schema}.show_chunks(%(relation)s::regclass);
