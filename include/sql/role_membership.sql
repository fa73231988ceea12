-- Roles the current login may become (SET ROLE), and whether it is a superuser and may create roles.
SELECT r.rolname AS name, pg_has_role(current_user, r.oid, 'USAGE') OR pg_has_role(current_user, r.oid, 'MEMBER')
       AS member
FROM pg_roles r
ORDER BY 1;
