-- In the transaction that deparses a source's text again on the target (rolled back): temporary objects are looked
-- up last, after pg_catalog, so that nothing the text names resolves to them.
SET LOCAL search_path = pg_catalog, pg_temp;
