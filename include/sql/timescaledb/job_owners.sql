-- TimescaleDB: every user job (id 1000 and up) with its name as the jobs inventory writes it, its owner, whether it
-- is scheduled, and whether the current login may alter_job() it (TimescaleDB asks for the owner's privileges).
SELECT j.id, {{timescaledb_job_name}} AS name, pg_get_userbyid(j.owner) AS owner, j.scheduled,
       (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user)
         OR pg_has_role(current_user, j.owner, 'USAGE') AS may_alter
FROM _timescaledb_config.bgw_job j
LEFT JOIN _timescaledb_catalog.hypertable h ON h.id = j.hypertable_id
WHERE j.id >= 1000
ORDER BY j.id;
