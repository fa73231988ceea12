-- One relation's statistics (the analyze phase runs one per relation, over several sessions).
ANALYZE {table};
