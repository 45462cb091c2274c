"""Agents and the seat-state history that feeds login, talk and pause statistics."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.kernel.db import Base


class AgentRecord(Base):
    """A counsellor or volunteer who may log in to a seat."""

    __tablename__ = "agents"

    agent_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    skills: Mapped[str] = mapped_column(String(128), default="general")  # comma-separated
    active: Mapped[bool] = mapped_column(default=True)


class SeatStateRecord(Base):
    """One row per seat state change, append-only."""

    __tablename__ = "seat_state_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    seat: Mapped[str] = mapped_column(String(8))
    agent_id: Mapped[str | None] = mapped_column(String(64))
    old_state: Mapped[str] = mapped_column(String(16))
    new_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64), default="")
    call_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime]
    seq: Mapped[int] = mapped_column(default=0)

    __table_args__ = (Index("ix_seat_state_changes_seat_at", "seat", "at"),)


class SeatSession(Base):
    """Who is logged in at a seat now, and paused why: what a restart restores.

    One row per logged-in seat, written beside the hot path from SeatStateChanged
    events; a logout deletes it. Ringing, talking and wrap-up are not kept here:
    Asterisk holds those calls and the resync brings them back.
    """

    __tablename__ = "seat_sessions"

    seat: Mapped[str] = mapped_column(String(8), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(64))
    pause_reason: Mapped[str | None] = mapped_column(String(64))
    since: Mapped[datetime]


class SurgeSetting(Base):
    """Whether surge capacity is on for a hotline, and for which campaign."""

    __tablename__ = "surge_settings"

    hotline_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    on: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(String(64), default="")
    since: Mapped[datetime]
