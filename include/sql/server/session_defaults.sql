-- Every session the migration opens from Python: no JIT compilation. Catalog queries over thousands of chunks are
-- estimated far above jit_above_cost and spent more time compiling than running (managed_relations.sql on 5,000
-- chunks: 1.3 s of JIT in 1.7 s); checksums of large tables run as fast without it (4 M rows: 0.74 s either way).
SET jit = off;
