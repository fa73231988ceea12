-- Pause or resume one TimescaleDB background job (as the guide's troubleshooting does around a dump).
SELECT {schema}.alter_job(%(id)s, scheduled => %(scheduled)s);
