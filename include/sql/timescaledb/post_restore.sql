-- Leave restore mode, restart background workers; schema-qualified so that a dump's empty search_path cannot hide it.
SELECT {schema}.timescaledb_post_restore();
