-- A new empty database (a rehearsal's scratch target, or a fleet entry's target).
CREATE DATABASE {database};
