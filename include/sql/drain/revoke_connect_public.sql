-- Stop roles that connect through PUBLIC's default privilege from opening new sessions on a database.
REVOKE CONNECT ON DATABASE {database} FROM PUBLIC;
