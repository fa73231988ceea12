-- ALTER DEFAULT PRIVILEGES as on the source: one privilege granted on a kind of object ({object}: TABLES, ...).
ALTER DEFAULT PRIVILEGES FOR ROLE {role}{in_schema} GRANT {privilege} ON {object} TO {grantee}{grant_option}
