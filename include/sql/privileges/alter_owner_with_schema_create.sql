-- An object's owner, re-applied by a login without superuser, whose new owner may not CREATE in the object's schema
-- (PostgreSQL requires it of the new owner): the schema's owner (the login, or a role it acts as) lets it for this
-- one statement, in the same transaction, and takes it back.
GRANT CREATE ON SCHEMA {schema} TO {owner};
ALTER {kind} {object} OWNER TO {owner};
REVOKE CREATE ON SCHEMA {schema} FROM {owner}
