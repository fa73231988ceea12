-- Whether a valid, non-partial B-tree index of %(relation)s has %(column)s as its first key: what the chunk seed's
-- walk over the time column needs (without one, every probe would scan the table).
SELECT EXISTS (
    SELECT 1
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_am am ON am.oid = ic.relam
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
    WHERE i.indrelid = %(relation)s::regclass
      AND a.attname = %(column)s
      AND am.amname = 'btree'
      AND i.indisvalid
      AND i.indpred IS NULL
) AS present;
