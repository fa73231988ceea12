-- After the `parallel` load: the table's autovacuum settings back to what the source has (neither was set).
ALTER TABLE {table} RESET (autovacuum_enabled, toast.autovacuum_enabled);
