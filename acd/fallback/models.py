"""What the ACD keeps of the fallback: the periods it ran, and the calls it imported."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.kernel.db import Base


class FallbackPeriod(Base):
    """A stretch of time when the ACD's heartbeat was stale and app_queue took the callers."""

    __tablename__ = "fallback_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # when the dialplan began to send callers to the queue, as best known
    started_at: Mapped[datetime]
    # when the ACD stamped a fresh heartbeat again: new callers came back to it
    ended_at: Mapped[datetime]
    calls: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)


class FallbackCall(Base):
    """One imported fallback record: the primary key makes the import exactly-once.

    Written in the same transaction as the call, its work order and its callback; the
    AstDB entry is deleted only after the commit. A crash in between leaves an entry
    this row already names, which the next import deletes without writing anything.
    """

    __tablename__ = "fallback_calls"

    call_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    period_id: Mapped[int | None] = mapped_column(ForeignKey("fallback_periods.id"))
    imported_at: Mapped[datetime]
