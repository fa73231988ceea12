-- A role's session default inside one database (pg_dumpall --roles-only does not carry it).
ALTER ROLE {role} IN DATABASE {database} SET {parameter} TO {value}
