-- `parallel` format: delete the seed rows again, in the transaction that copied them into the just converted,
-- otherwise empty hypertable: the chunks they made TimescaleDB create stay, empty, for the parts to fill.
DELETE FROM {table}
