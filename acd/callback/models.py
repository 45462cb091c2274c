"""Callback tables: one open task per caller number, its misses and its dial attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.kernel.crypto import Encrypted, Lookup, keep_lookup
from callcenter.kernel.db import Base

OPEN_STATUSES = ("pending", "dialing")


class CallbackTask(Base):
    """A pending (or finished) callback of one number; later misses merge into it."""

    __tablename__ = "callback_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(Encrypted())  # normalised, sealed at rest
    number_key: Mapped[str | None] = mapped_column(Lookup())  # its digest: the merge key
    dial_number: Mapped[str] = mapped_column(Encrypted())  # as the trunk gave it: what we dial
    status: Mapped[str] = mapped_column(String(16), default="pending")
    first_call_id: Mapped[str] = mapped_column(String(64))
    work_order_id: Mapped[int | None]
    miss_count: Mapped[int] = mapped_column(default=1)
    first_missed_at: Mapped[datetime]
    last_missed_at: Mapped[datetime]
    high_risk: Mapped[bool] = mapped_column(default=False)
    hesitant: Mapped[bool] = mapped_column(default=False)  # a very short hang-up among the misses
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)  # attempts that dialled the caller
    first_attempt_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str] = mapped_column(String(200), default="")
    # The inbound call that made the callback unnecessary.
    linked_call_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        # One open callback per number, enforced by the store on both databases.
        Index(
            "uq_callback_tasks_open_number",
            "number_key",
            unique=True,
            postgresql_where=text("status IN ('pending', 'dialing')"),
            sqlite_where=text("status IN ('pending', 'dialing')"),
        ),
        Index("ix_callback_tasks_status_due_at", "status", "due_at"),
        Index("ix_callback_tasks_first_missed_at", "first_missed_at"),
    )


keep_lookup(CallbackTask.number, "number_key")


class CallbackMiss(Base):
    """One missed call merged into a task (a call counts once even if reported twice)."""

    __tablename__ = "callback_misses"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("callback_tasks.id"), index=True)
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    reason: Mapped[str] = mapped_column(String(16))
    waited_seconds: Mapped[float] = mapped_column(default=0.0)
    missed_at: Mapped[datetime]


class CallbackAttempt(Base):
    """One dial of a task, committed BEFORE its Originate; ``attempt_key`` is the ChannelId."""

    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("callback_tasks.id"), index=True)
    attempt_no: Mapped[int]
    attempt_key: Mapped[str] = mapped_column(String(64), unique=True)
    dialer_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="dialing")  # dialing | done
    outcome: Mapped[str | None] = mapped_column(String(16))
    caller_dialled: Mapped[bool] = mapped_column(default=True)
    dial_status: Mapped[str] = mapped_column(String(32), default="")
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("task_id", "attempt_no"),)
