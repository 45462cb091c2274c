"""Tables of staff accounts and their server-side sessions (browser) and token families (API)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.kernel.db import Base


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)  # an agent's id, for counsellors
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    site_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # site users only
    skills: Mapped[str] = mapped_column(String(128), default="")  # counsellors: "crisis,legal"
    default_seat: Mapped[str | None] = mapped_column(String(8), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]


class AuthSession(Base):
    """One browser session, or one API token family (its refresh token rotates on each use)."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "browser" | "api"
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256, never the secret
    # the refresh token rotated out last: presented again, it means theft, and ends the family
    previous_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    csrf: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
