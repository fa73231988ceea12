-- The lines `df` printed (header first).
SELECT line FROM tsm_preflight_df;
