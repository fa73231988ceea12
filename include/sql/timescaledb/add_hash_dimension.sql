-- Add a hash dimension (space partitioning) to a new, still empty hypertable.
SELECT {schema}.add_dimension(%(relation)s::regclass, {schema}.by_hash(%(column)s, %(partitions)s))
