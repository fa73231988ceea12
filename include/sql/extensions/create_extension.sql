-- Install an extension at the server's default version (TimescaleDB in a new target database, as Timescale has).
CREATE EXTENSION IF NOT EXISTS {extension};
