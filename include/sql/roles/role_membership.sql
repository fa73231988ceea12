-- Roles the current login may become (SET ROLE: from PostgreSQL 16 on a membership may lack it, e.g. the ADMIN
-- OPTION a CREATEROLE login gets on the roles it creates; before 16 any membership allows it), and those it may
-- grant to itself (ADMIN OPTION).
SELECT r.rolname AS name,
       CASE WHEN current_setting('server_version_num')::int >= 160000 THEN pg_has_role(current_user, r.oid, 'SET')
            ELSE pg_has_role(current_user, r.oid, 'MEMBER') END AS member,
       pg_has_role(current_user, r.oid, 'MEMBER WITH ADMIN OPTION') AS admin
FROM pg_roles r
ORDER BY 1;
