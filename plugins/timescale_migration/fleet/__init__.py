"""Many migrations: fleet and rehearsal configs, child runs, the ledger and assets."""
