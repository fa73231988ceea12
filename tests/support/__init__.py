"""Helpers shared by the tests: the local servers, databases made for one test, Airflow runs."""
