-- `parallel` format: empty a table converted into a hypertable on the target, inside the transaction that loads
-- it, so that COPY ... FREEZE may write its rows frozen (TimescaleDB refuses TRUNCATE ONLY of a hypertable; it
-- has no children but its chunks, and no rows yet).
TRUNCATE {table}
