"""Referral tables: local sites, referrals (个案转介单), deadline reminders, return visits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.kernel.crypto import Encrypted
from callcenter.kernel.db import Base


class Site(Base):
    """A local counselling site that takes referred cases."""

    __tablename__ = "referral_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    city: Mapped[str] = mapped_column(String(32))
    county: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(256), default="")
    contact: Mapped[str] = mapped_column(String(64), default="")
    counsellors: Mapped[int] = mapped_column(default=0)


class Referral(Base):
    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("referral_sites.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="sent")
    reason: Mapped[str] = mapped_column(Encrypted(), default="")
    sent_by: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime]
    accept_due_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    outcome_due_at: Mapped[datetime | None]
    follow_up_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(Encrypted())
    outcome_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Encrypted())

    __table_args__ = (
        Index("ix_referrals_sent_at", "sent_at"),
        Index("ix_referrals_status", "status"),
    )


class ReferralReminder(Base):
    """One supervision alert per referral and missed deadline, so nobody is reminded twice."""

    __tablename__ = "referral_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    deadline: Mapped[str] = mapped_column(String(16))  # accept | outcome
    due_at: Mapped[datetime]
    reminded_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("referral_id", "deadline", "due_at"),)


class ReturnVisit(Base):
    """回访: a follow-up call to the caller after a referral closed."""

    __tablename__ = "return_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str | None] = mapped_column(Encrypted())
    satisfaction: Mapped[int | None]  # 1 (very unhappy) .. 5 (very satisfied)
