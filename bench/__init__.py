"""The benchmark of migrate_database (bench/run.py) and of its downtime under a deployed Airflow (bench/deployed.py).

Modules by concern: common (errors, log, paths), source (the generated source database), rss (peak memory of a
process tree), context (what every timed method needs: targets, client tools, the target's check), documented
(the guide's commands by hand), dag (`airflow dags test` and its analysis), pgcopydb, machine (the machine's
facts), report (markdown and JSON); run.py is the command line that orchestrates them.
"""
