"""Sessions and catalogs: endpoints, SQL files, drains, roles, privileges, settings, whole databases."""
