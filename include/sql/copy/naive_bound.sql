-- A chunk bound for a date or timestamp (without time zone) time column: TimescaleDB reckons their values as UTC
-- timestamps, so its bound compares as that timestamp.
{value}::timestamp
