-- A compression policy on a new hypertable; returns its job id (paused by the caller until verification).
SELECT {schema}.add_compression_policy(%(relation)s::regclass, compress_after => {after})
