"""crisis package."""
