-- Install one extension at an exact version (used to align TimescaleDB on an empty target).
CREATE EXTENSION {extension} VERSION {version};
