-- Which of the named roles exist on this server (a role dropped since a block can be neither revoked nor granted).
SELECT rolname FROM pg_roles WHERE rolname = ANY(%(names)s);
