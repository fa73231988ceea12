-- One row per database of this server whose CONNECT privileges a drain took away: exactly what release_source
-- grants back (revoked) and takes back (granted). A released block keeps its row, with released_at set, until the
-- next drain of that database replaces it.
CREATE TABLE IF NOT EXISTS timescale_migration.connect_blocks (
    database_name text PRIMARY KEY,
    database_oid bigint NOT NULL,
    revoked text[] NOT NULL,
    granted text[] NOT NULL,
    superusers text[] NOT NULL,
    migrator text NOT NULL,
    first_run text NOT NULL,
    runs text[] NOT NULL,
    blocked_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    restore_sql text NOT NULL,
    released_at timestamptz,
    released_by text
);
COMMENT ON TABLE timescale_migration.connect_blocks IS
    'timescale-migration: CONNECT privileges its drain_source took away, per database of this server. '
    'The release_source DAG grants them back (restore_sql is what it runs) and sets released_at. '
    'Do not delete a row whose released_at is empty: it is the only record of who could connect.';
