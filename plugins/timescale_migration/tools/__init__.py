"""The PostgreSQL client tools: finding them, building argv, running them, a work queue."""
