"""Work-order tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base


class WorkOrder(Base):
    """One per inbound call, created at arrival, before any agent answers."""

    __tablename__ = "work_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # readable: 12355-20261128-0042
    call_id: Mapped[str] = mapped_column(String(64), unique=True)  # Linkedid of the first call
    caller_number: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="new")
    seat: Mapped[str | None] = mapped_column(String(8))
    agent: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None]
    summary: Mapped[str] = mapped_column(Text, default="")
    risk_level: Mapped[str] = mapped_column(String(16), default="none")
    category: Mapped[str | None] = mapped_column(String(32))
    subcategory: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[str] = mapped_column(String(256), default="")

    __table_args__ = (Index("ix_work_orders_created_at", "created_at"),)


class WorkOrderCounter(Base):
    """Per-day sequence for readable numbers, so they stay gap-free and unique."""

    __tablename__ = "work_order_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)

