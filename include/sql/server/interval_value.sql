-- An interval as the server reads it (raises on text that is not an interval).
SELECT %(value)s::interval::text AS value
