"""Proving the target holds what the source held: fingerprints, inventory, comparison, reports."""
