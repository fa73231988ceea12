-- Row-level security of one relation as the verifying login meets it: its owner, whether the policies also apply
-- to the owner (FORCE ROW LEVEL SECURITY), and whether the login is that owner or may become it (SET ROLE).
SELECT pg_get_userbyid(c.relowner) AS owner, c.relforcerowsecurity AS forced,
       c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) AS own,
       pg_has_role(current_user, c.relowner, 'MEMBER') AS may_become
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relname = %(name)s;
