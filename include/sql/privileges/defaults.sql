-- ALTER DEFAULT PRIVILEGES of the database: for which role, in which schema (NULL: everywhere), on which kind
-- of object (r tables, S sequences, f functions, T types, n schemas) and the privileges, as privileges_objects.
SELECT pg_get_userbyid(d.defaclrole) AS role_name, n.nspname AS schema_name, d.defaclobjtype AS objtype,
       (SELECT coalesce(json_agg(json_build_array(CASE WHEN e.grantee = 0 THEN 'PUBLIC'
                                                       ELSE pg_get_userbyid(e.grantee) END,
                                                  e.privilege_type, e.is_grantable)), '[]'::json)
        FROM aclexplode(d.defaclacl) AS e) AS acl
FROM pg_default_acl d
LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
ORDER BY 1, 2 NULLS FIRST, 3;
