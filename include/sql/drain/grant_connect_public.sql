-- Allow every role to connect to a database again (undoing a drain).
GRANT CONNECT ON DATABASE {database} TO PUBLIC;
