-- One privilege (or only its grant option) taken back, so that the object's privileges equal the source's.
REVOKE {grant_option_for}{privilege} ON {object} FROM {grantee}
