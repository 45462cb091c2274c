"""The monthly crisis report: cases, police hand-offs, local referrals, people helped,
median time to notify, and how agents answered suggested risk levels (accepted,
dismissed and why). The arithmetic is pure; ``month_report`` only reads rows."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.calendar import days_span, month_of
from crisis.models import Escalation, SuggestionReview


@dataclass(frozen=True)
class CaseFacts:
    raised_at: datetime
    notified_at: datetime | None
    police: bool
    local: bool
    reached: bool


@dataclass(frozen=True)
class MonthReport:
    month: str
    crisis_cases: int
    police_handoffs: int
    local_referrals: int
    people_helped: int  # responders reached the person
    median_seconds_to_notify: float | None
    suggestions_accepted: int = 0
    suggestions_dismissed: int = 0
    dismissed_by_reason: dict[str, int] = field(default_factory=dict)


def month_bounds(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``"2026-11"`` in the hotline's zone → [start, end) in UTC."""
    year, number = (int(part) for part in month.split("-"))
    span = days_span(*month_of(date(year, number, 1)), zone)
    return span.starts_at, span.ends_at


def summarise(
    month: str, cases: list[CaseFacts], answers: Sequence[tuple[str, str | None]] = ()
) -> MonthReport:
    """``answers``: (decision, dismissal reason) of each suggestion answered that month."""
    delays = [
        (case.notified_at - case.raised_at).total_seconds()
        for case in cases
        if case.notified_at is not None
    ]
    return MonthReport(
        month=month,
        crisis_cases=len(cases),
        police_handoffs=sum(case.police for case in cases),
        local_referrals=sum(case.local for case in cases),
        people_helped=sum(case.reached for case in cases),
        median_seconds_to_notify=statistics.median(delays) if delays else None,
        suggestions_accepted=sum(decision == "accepted" for decision, _ in answers),
        suggestions_dismissed=sum(decision == "dismissed" for decision, _ in answers),
        dismissed_by_reason=dict(
            Counter(reason or "?" for decision, reason in answers if decision == "dismissed")
        ),
    )


async def month_report(session: AsyncSession, month: str, zone: ZoneInfo) -> MonthReport:
    start, end = month_bounds(month, zone)
    rows = await session.execute(
        select(
            Escalation.raised_at,
            Escalation.notified_at,
            Escalation.police,
            Escalation.local,
            Escalation.reached_at,
        ).where(Escalation.raised_at >= start, Escalation.raised_at < end)
    )
    cases = [
        CaseFacts(raised, notified, police, local, reached is not None)
        for raised, notified, police, local, reached in rows.all()
    ]
    reviews = await session.execute(
        select(SuggestionReview.decision, SuggestionReview.reason).where(
            SuggestionReview.at >= start, SuggestionReview.at < end
        )
    )
    return summarise(month, cases, [(decision, reason) for decision, reason in reviews.all()])
