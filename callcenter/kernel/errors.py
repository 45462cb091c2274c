"""Domain errors the HTTP layer maps to status codes in one place."""

from __future__ import annotations


class NotFound(LookupError):
    """The thing asked for does not exist (or is not visible to the asker): 404."""
