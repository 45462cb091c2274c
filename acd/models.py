"""Call records: one row per inbound call, keyed by the inbound channel's Linkedid."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.kernel.crypto import Encrypted
from callcenter.kernel.db import Base


class Call(Base):
    __tablename__ = "calls"

    call_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    caller_number: Mapped[str] = mapped_column(Encrypted())  # sealed at rest
    caller_name: Mapped[str] = mapped_column(Encrypted(), default="")
    skill: Mapped[str] = mapped_column(String(16), default="general")
    arrived_at: Mapped[datetime]
    # when the caller left the IVR menu and began to wait for a seat: waits count from here
    queued_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_estimated: Mapped[bool] = mapped_column(default=False)
    # waiting | ringing | connected | answered | abandoned | overflow | closed
    outcome: Mapped[str] = mapped_column(String(16), default="waiting")
    seat: Mapped[str | None] = mapped_column(String(8))
    agent: Mapped[str | None] = mapped_column(String(64))
    campaign: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_calls_arrived_at", "arrived_at"),)


class AcdLease(Base):
    """Which process of a hotline is the active ACD, until when (acd/lease.py)."""

    __tablename__ = "acd_leases"

    hotline_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128), default="")
    term: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Float, default=0.0)  # database clock, epoch s
