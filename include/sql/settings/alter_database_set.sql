-- A session default stored on the database (what pg_dump carries only with --create).
ALTER DATABASE {database} SET {parameter} TO {value}
