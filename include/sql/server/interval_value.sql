-- An interval as the server reads it (raises on text that is not an interval), in one normal form: its length
-- in days and hours (a month counts 30 days, as TimescaleDB counts a chunk interval), so that "1 month" and
-- "30 days", "24 hours" and "1 day" read the same.
SELECT justify_hours(make_interval(secs => extract(epoch FROM %(value)s::interval)))::text AS value
