-- `parallel` format: settings of every copy session, as pg_dump makes them: text values in the formats any
-- server reads back exactly, and no row silently hidden by row-level security on the source (an error instead).
SET datestyle = ISO; SET intervalstyle = postgres; SET extra_float_digits = 3; SET row_security = off
