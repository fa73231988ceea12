"""What the checks before the downtime found: the plan and the findings."""
