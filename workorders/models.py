"""Work-order tables: the order, the calls it covers, its append-only history, the day counter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.kernel.crypto import Encrypted, Lookup, keep_lookup
from callcenter.kernel.db import Base


class WorkOrder(Base):
    """One per inbound call, created at arrival, before any agent answers."""

    __tablename__ = "work_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # readable: 12355-20261128-0042
    call_id: Mapped[str] = mapped_column(String(64), unique=True)  # Linkedid of the first call
    caller_number: Mapped[str] = mapped_column(Encrypted())  # sealed at rest
    caller_key: Mapped[str | None] = mapped_column(Lookup())  # its digest, for the history
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="new")
    seat: Mapped[str | None] = mapped_column(String(8))
    agent: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    summary: Mapped[str] = mapped_column(Encrypted(), default="")
    risk_level: Mapped[str] = mapped_column(String(16), default="none")
    category: Mapped[str | None] = mapped_column(String(32))
    subcategory: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[str] = mapped_column(String(256), default="")  # comma-separated
    age_group: Mapped[str | None] = mapped_column(String(16))
    gender: Mapped[str | None] = mapped_column(String(16))
    identity: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(32))
    county: Mapped[str | None] = mapped_column(String(32))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))

    __table_args__ = (
        # Leads with created_at for date searches; on PostgreSQL it also carries every
        # column the statistics read, so a month's figures come from an index-only scan.
        Index(
            "ix_work_orders_stats",
            "created_at",
            "category",
            "risk_level",
            "status",
            postgresql_include=["escalated_at", "caller_key", "city"],
        ),
        Index("ix_work_orders_caller_created", "caller_key", "created_at"),
    )

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]


keep_lookup(WorkOrder.caller_number, "caller_key")


class WorkOrderCall(Base):
    """A call a work order covers: its first call, and those of duplicates merged into it."""

    __tablename__ = "work_order_calls"

    call_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    at: Mapped[datetime]


class WorkOrderHistory(Base):
    """Append-only audit of every change to an order (and to its referrals)."""

    __tablename__ = "work_order_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    # sealed: a summary's old and new text is a case note too
    old_value: Mapped[str | None] = mapped_column(Encrypted())
    new_value: Mapped[str | None] = mapped_column(Encrypted())
    reason: Mapped[str | None] = mapped_column(Encrypted())


@event.listens_for(WorkOrderHistory, "before_update")
@event.listens_for(WorkOrderHistory, "before_delete")
def _history_is_append_only(*_: object) -> None:
    raise PermissionError("work-order history is append-only")


class WorkOrderCounter(Base):
    """Per-day sequence for readable numbers, so they stay gap-free and unique."""

    __tablename__ = "work_order_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)
