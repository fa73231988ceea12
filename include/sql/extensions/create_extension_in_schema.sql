-- Install one extension again where and as it was (TimescaleDB after emptying a partly loaded target).
CREATE EXTENSION {extension} WITH SCHEMA {schema} VERSION {version};
