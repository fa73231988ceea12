-- End one client session (needs superuser or pg_signal_backend); true when the signal was sent.
SELECT pg_terminate_backend(%(pid)s) AS terminated;
