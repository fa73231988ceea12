-- Who may connect to the named database according to its ACL (a NULL ACL means the defaults: the owner
-- and PUBLIC), with whether each grantee is a superuser (superusers connect whatever the ACL says).
SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE r.rolname END AS grantee,
       coalesce(r.rolsuper, false) AS is_superuser
FROM pg_database d
CROSS JOIN LATERAL aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) AS a
LEFT JOIN pg_roles r ON r.oid = a.grantee
WHERE d.datname = %(database)s AND a.privilege_type = 'CONNECT'
ORDER BY 1;
