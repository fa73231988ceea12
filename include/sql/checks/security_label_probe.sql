-- Whether the target takes a security label of provider {provider}: set on a temporary table, in a transaction the
-- check rolls back (a provider that is not loaded refuses it).
CREATE TEMPORARY TABLE tsm_label_probe (probe integer);
SECURITY LABEL FOR {provider} ON TABLE tsm_label_probe IS {label};
