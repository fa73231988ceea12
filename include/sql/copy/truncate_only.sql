-- `parallel` format: empty one table (never its inheritance children) inside the transaction that loads it, so
-- that COPY ... FREEZE may write its rows frozen. It holds no rows yet: the skeleton left them out.
TRUNCATE ONLY {table}
