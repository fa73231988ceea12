-- `parallel` format: the seed rows into the just converted, empty hypertable (TimescaleDB creates their chunks).
COPY {table}{columns} FROM STDIN
