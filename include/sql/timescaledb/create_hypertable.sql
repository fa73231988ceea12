-- Turn an empty table into a hypertable partitioned by time (its rows arrive afterwards, straight into chunks):
-- no default indexes, the table keeps exactly the source's indexes (post-data creates them).
SELECT {schema}.create_hypertable(%(relation)s::regclass, {schema}.by_range(%(column)s, {interval}),
                                  create_default_indexes => false)
