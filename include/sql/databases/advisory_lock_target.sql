-- One migration at a time may load into a database: a session-level advisory lock keyed on the database name.
SELECT pg_try_advisory_lock(hashtextextended('timescale-migration load ' || current_database(), 0)) AS locked;
