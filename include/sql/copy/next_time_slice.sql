-- Where the chunk-interval slice after `s.point` (a date or timestamp) begins: slices of {stride} aligned to the
-- Unix epoch in UTC, as TimescaleDB aligns the chunks of a date or timestamp column (the session sets TimeZone).
date_bin({stride}, s.point::timestamptz, timestamptz 'epoch') + {stride}
