"""Timescale "migration with downtime" as Airflow operators: client tools, catalog queries, one operator per phase."""
