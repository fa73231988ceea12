"""What the tests, scripts/ and bench/ share: the local database servers, the Airflow CLI, a local Airflow
deployment and its REST API. Importable with the repository and plugins/ on the path (pytest.ini and the
Makefile put them there)."""
