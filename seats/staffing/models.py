"""Tables: each counsellor's availability and limits, and the rotas (drafts and published)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.kernel.db import Base


class AvailabilityRecord(Base):
    """What a counsellor can give: weekly shifts, hours and nights. They keep it themselves."""

    __tablename__ = "staffing_availability"

    agent_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("agents.agent_id", ondelete="CASCADE"), primary_key=True
    )
    shifts: Mapped[list[str]] = mapped_column(JSON, default=list)  # ["mon:night", ...]
    max_hours_week: Mapped[int] = mapped_column(default=0)
    max_nights_week: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))


class RotaRecord(Base):
    """A generated rota: a draft until a supervisor publishes it."""

    __tablename__ = "staffing_rotas"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_day: Mapped[date] = mapped_column(Date)
    days: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|published|replaced
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_staffing_rotas_status_first_day", "status", "first_day"),)


class RotaShiftRecord(Base):
    """One counsellor on one shift of a rota."""

    __tablename__ = "staffing_rota_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(
        ForeignKey("staffing_rotas.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    shift: Mapped[str] = mapped_column(String(16))  # night|day|evening
    agent_id: Mapped[str] = mapped_column(String(64))
