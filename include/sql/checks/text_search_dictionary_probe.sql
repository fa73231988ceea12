-- Whether the target can create a dictionary on the system's template {template} with the source's options (as
-- pg_dump writes them), in pg_temp, in a transaction the check rolls back.
CREATE TEXT SEARCH DICTIONARY pg_temp.tsm_dictionary_probe (TEMPLATE = pg_catalog.{template}{options});
