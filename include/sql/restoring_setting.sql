-- timescaledb.restoring as set on the current database (ALTER DATABASE ... SET), NULL when unset.
SELECT (SELECT option_value
        FROM pg_db_role_setting s
        JOIN pg_database d ON d.oid = s.setdatabase AND d.datname = current_database()
        CROSS JOIN LATERAL pg_options_to_table(s.setconfig)
        WHERE s.setrole = 0 AND option_name = 'timescaledb.restoring') AS database_setting;
