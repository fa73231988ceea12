-- Verification must see every row: with row_security off, PostgreSQL raises an error instead of silently
-- filtering rows through row-level security policies.
SET row_security = off;
