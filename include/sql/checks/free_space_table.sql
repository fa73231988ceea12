-- A temporary table for the output of `df` (dropped with the transaction, which is rolled back).
CREATE TEMPORARY TABLE tsm_preflight_df (line text) ON COMMIT DROP;
