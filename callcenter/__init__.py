"""callcenter package."""
