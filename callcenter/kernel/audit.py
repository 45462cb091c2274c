"""The append-only audit trail: sign-ins, permission changes, exports, sensitive reads.

Any package records an entry with ``record(session, ...)`` inside its own
transaction, so the entry exists exactly when the read or change it describes
happened. Entries are never updated or deleted (on PostgreSQL a trigger refuses
it, see the migration). ``detail`` is for plain facts: never a phone number or a
case note.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.kernel.auth import Principal
from callcenter.kernel.db import Base
from callcenter.kernel.logs import mask_numbers


class Action(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login-failed"
    LOCKED_OUT = "locked-out"
    LOGOUT = "logout"
    SESSIONS_REVOKED = "sessions-revoked"
    USER_CREATED = "user-created"
    USER_CHANGED = "user-changed"  # role, site, disabled, profile: permission changes
    PASSWORD_RESET = "password-reset"
    READ_CRISIS = "read-crisis"
    READ_ORDER = "read-order"  # a work order outside one's own
    EXPORT = "export"


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_actor", "actor"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))  # a login, or "-" when unknown
    role: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(128), default="")  # "workorder:12", "user:li"
    detail: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(64), default="")


def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    action: Action,
    role: str = "",
    target: str = "",
    detail: str = "",
    address: str = "",
) -> AuditEntry:
    entry = AuditEntry(
        at=at,
        actor=actor[:64] or "-",
        role=role,
        action=action.value,
        target=target[:128],
        detail=mask_numbers(detail),  # a safety net: the trail is read widely
        address=address[:64],
    )
    session.add(entry)
    return entry


def record_by(
    session: AsyncSession,
    principal: Principal,
    *,
    at: datetime,
    action: Action,
    target: str = "",
    detail: str = "",
    address: str = "",
) -> AuditEntry:
    """An entry for what a signed-in principal did."""
    return record(
        session,
        at=at,
        actor=principal.user,
        role=principal.role.value,
        action=action,
        target=target,
        detail=detail,
        address=address,
    )
