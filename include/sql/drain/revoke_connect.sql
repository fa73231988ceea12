-- Stop one role from opening new sessions on a database (draining it for the downtime).
REVOKE CONNECT ON DATABASE {database} FROM {role};
