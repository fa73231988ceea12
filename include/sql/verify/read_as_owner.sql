-- Read one relation past its row-level security, in a transaction that is rolled back: as its owner, for whom the
-- policies apply only when forced, and (forced) with FORCE lifted for this transaction only.
SET LOCAL ROLE {owner}
