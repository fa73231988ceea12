"""Moving the rows: the parallel copy, its sessions, and the load's claim on a target."""
