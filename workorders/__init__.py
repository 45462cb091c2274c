"""workorders package."""
