-- The privileges a role's new objects of one kind get when no ALTER DEFAULT PRIVILEGES applies (acldefault).
SELECT (SELECT coalesce(json_agg(json_build_array(CASE WHEN e.grantee = 0 THEN 'PUBLIC'
                                                       ELSE pg_get_userbyid(e.grantee) END,
                                                  e.privilege_type, e.is_grantable)), '[]'::json)
        FROM aclexplode(acldefault(%(objtype)s::"char", (SELECT oid FROM pg_roles WHERE rolname = %(role)s))) AS e)
       AS acl;
