-- Enable compression on a new hypertable with its segment-by columns (and order-by, when given).
ALTER TABLE {table} SET (timescaledb.compress, timescaledb.compress_segmentby = {segmentby}{orderby})
