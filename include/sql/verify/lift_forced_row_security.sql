-- Lift FORCE ROW LEVEL SECURITY in the verifying transaction, which is rolled back (the owner reads all rows).
ALTER TABLE ONLY {table} NO FORCE ROW LEVEL SECURITY
