-- A retention policy on a new hypertable; returns its job id (paused by the caller until verification).
SELECT {schema}.add_retention_policy(%(relation)s::regclass, drop_after => {after})
