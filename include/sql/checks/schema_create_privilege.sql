-- Whether each role may CREATE in each schema on this server (a role that does not exist yet: whether PUBLIC
-- may). ALTER ... OWNER by a login without superuser needs the new owner to have CREATE on the object's schema,
-- and TimescaleDB changes a hypertable's chunks' owner with it (in _timescaledb_internal, owned by a superuser).
SELECT r.role_name, s.schema_name,
       CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.role_name)
            THEN has_schema_privilege(r.role_name, s.schema_name, 'CREATE')
            ELSE EXISTS (SELECT 1 FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a
                         WHERE n.nspname = s.schema_name AND a.grantee = 0 AND a.privilege_type = 'CREATE')
       END AS allowed
FROM unnest(%(roles)s::text[]) AS r(role_name)
CROSS JOIN unnest(%(schemas)s::text[]) AS s(schema_name)
WHERE EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s.schema_name);
