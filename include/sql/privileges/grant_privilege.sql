-- One privilege on one object, re-applied after a load made with --no-privileges.
GRANT {privilege} ON {object} TO {grantee}{grant_option}
