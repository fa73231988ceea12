-- A table stage_schema created that the source no longer has (a chunk dropped by a retention policy while the run
-- waited at the stop_apps gate); its indexes and constraints go with it.
DROP TABLE IF EXISTS {table};
