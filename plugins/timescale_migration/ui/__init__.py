"""The Migrations page in the Airflow UI: an Airflow plugin's FastAPI app (app.py) served by the api-server, its
pages (views.py), what they show (model.py: a run in a DBA's words) read from where it already is (store.py: the
metadata database and the work directories) and the operator extra links that lead to a run's page (links.py).
Registered by plugins/timescale_migration_plugin.py."""
