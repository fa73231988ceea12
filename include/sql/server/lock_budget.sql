-- One session's share of the server's lock table: how many relation locks one transaction may hold without
-- counting on room other sessions leave.
SELECT current_setting('max_locks_per_transaction')::int AS max_locks_per_transaction;
