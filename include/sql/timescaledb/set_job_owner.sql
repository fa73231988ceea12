-- Give one user job the owner it has on the source as the target names it (a role reserved on the target stands
-- for the migration's login, as for every other object). TimescaleDB offers no ALTER for a job's owner.
UPDATE _timescaledb_config.bgw_job j
SET owner = r.oid::regrole
FROM pg_roles r
WHERE r.rolname = %(owner)s AND j.id = %(id)s AND j.owner <> r.oid
RETURNING j.id;
