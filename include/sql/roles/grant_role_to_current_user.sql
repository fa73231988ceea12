-- Membership in a role the migration's login created (it holds ADMIN OPTION), so it may make it an owner.
GRANT {role} TO CURRENT_USER
