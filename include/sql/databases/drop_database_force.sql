-- Remove a rehearsal's scratch database, ending any session still in it.
DROP DATABASE IF EXISTS {database} WITH (FORCE);
