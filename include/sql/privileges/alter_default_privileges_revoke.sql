-- ALTER DEFAULT PRIVILEGES as on the source: one default privilege (or its grant option) taken back.
ALTER DEFAULT PRIVILEGES FOR ROLE {role}{in_schema} REVOKE {grant_option_for}{privilege} ON {object} FROM {grantee}
