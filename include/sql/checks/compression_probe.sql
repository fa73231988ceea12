-- Whether the target's server was built with the compression method {method} (in a transaction the check rolls back).
SET LOCAL default_toast_compression = {method};
