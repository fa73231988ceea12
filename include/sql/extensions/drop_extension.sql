-- Remove one extension from an empty target before installing it again at another version.
DROP EXTENSION {extension};
