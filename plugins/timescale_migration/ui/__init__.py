"""The Migrations page in the Airflow UI: an Airflow plugin's FastAPI app (app.py) served by the api-server, its
pages (views.py), what they show (data.py: the metadata database and the work directory) and the operator extra
links that lead to a run's page (links.py). Registered by plugins/timescale_migration_plugin.py."""
