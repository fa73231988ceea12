-- Several small relations' statistics in one statement (a list of tables; each is analyzed in a transaction of its
-- own, as a database-wide ANALYZE does): a round trip for many tiny chunks or partitions instead of one each.
ANALYZE {tables};
