-- A chunk bound for a timestamptz time column: TimescaleDB's bound as a UTC timestamp, as the instant it is.
({value}::timestamp AT TIME ZONE 'UTC')
