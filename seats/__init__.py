"""seats package."""
