-- Pause or resume one TimescaleDB background job (as the guide's troubleshooting does around a dump). The job's
-- time zone is passed as it is: alter_job() without `timezone` clears it (TimescaleDB 2.19 to at least 2.29 set it
-- to NULL whenever the argument is NULL, so a fixed-schedule job would run by UTC after a pause and resume).
SELECT {schema}.alter_job(%(id)s, scheduled => %(scheduled)s,
                          timezone => (SELECT j.timezone FROM _timescaledb_config.bgw_job j WHERE j.id = %(id)s));
