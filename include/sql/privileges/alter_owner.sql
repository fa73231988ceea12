-- An object's owner, re-applied after a load made with --no-owner ({kind}: TABLE, VIEW, SCHEMA, FUNCTION, ...).
ALTER {kind} {object} OWNER TO {owner}
