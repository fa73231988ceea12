-- Allow one role to connect to a database (undoing a drain, or keeping the migration's login in).
GRANT CONNECT ON DATABASE {database} TO {role};
