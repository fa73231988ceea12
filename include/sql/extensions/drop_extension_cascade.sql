-- Remove an extension with everything that depends on it (TimescaleDB: its catalog, chunks and jobs).
DROP EXTENSION IF EXISTS {extension} CASCADE;
