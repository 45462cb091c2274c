"""The kernel's own tables, so the model discovery and Alembic see them."""

from __future__ import annotations

from callcenter.kernel.audit import AuditEntry

__all__ = ["AuditEntry"]
