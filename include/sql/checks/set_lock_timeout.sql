-- How long this transaction waits for a lock before it gives up (set_config: the value is a parameter).
SELECT set_config('lock_timeout', %(timeout)s, true);
