-- How many large objects the current database holds.
SELECT count(*) AS large_objects FROM pg_largeobject_metadata;
