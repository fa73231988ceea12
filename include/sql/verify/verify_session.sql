-- Session settings that make every value print the same way on both servers (PostgreSQL 15 to 17 alike):
-- rows are hashed by their text form, so time zone, date, interval, float, bytea and money output are pinned,
-- and row_security off makes PostgreSQL raise an error instead of hiding rows behind policies.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 1;
SET bytea_output = 'hex';
SET lc_monetary = 'C';
SET search_path = pg_catalog;
SET row_security = off;
SET statement_timeout = 0;
