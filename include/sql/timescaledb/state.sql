-- TimescaleDB state of the current database after a restore: timescaledb.restoring in this session and as set
-- on the database, and whether a background worker scheduler serves the database.
SELECT current_setting('timescaledb.restoring') AS session_restoring,
       (SELECT option_value
        FROM pg_db_role_setting s
        JOIN pg_database d ON d.oid = s.setdatabase AND d.datname = current_database()
        CROSS JOIN LATERAL pg_options_to_table(s.setconfig)
        WHERE s.setrole = 0 AND option_name = 'timescaledb.restoring') AS database_restoring,
       (SELECT count(*) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'TimescaleDB Background Worker Scheduler')
         AS schedulers;
