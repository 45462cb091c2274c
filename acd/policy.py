"""The routing policy: every tunable number of the ACD, and who jumps the queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from callcenter.kernel.settings import Settings


class CallerPriority(StrEnum):
    """Why a caller's number goes ahead of the others."""

    CRISIS = "crisis"  # flagged by the crisis team: crisis-qualified agents first
    CALLBACK = "callback"  # returning a callback the hotline offered
    REPEAT = "repeat"  # flagged without a crisis (repeated calls): ahead, any agent


def flag_priority(crisis: bool) -> CallerPriority:
    """A crisis flag sends the number to crisis-qualified agents; any other flag only
    moves it up the queue (a repeat caller needs no crisis agent)."""
    return CallerPriority.CRISIS if crisis else CallerPriority.REPEAT


def always_open(now: float) -> bool:
    return True


@dataclass(frozen=True)
class RoutingPolicy:
    ring_timeout: float = 15.0  # the dialplan's ACD_RING_TIMEOUT
    ring_grace: float = (
        5.0  # after ring_timeout + grace with no outcome the seat counts as no answer
    )
    max_wait: float = 120.0
    max_queue: int = 50
    wrapup_seconds: float = 60.0
    wrapup_high_risk_seconds: float = 180.0
    crisis_widen_after: float = 20.0  # crisis callers reach any agent after this wait
    no_answer_pause_after: int = 2
    debrief_after_high_risk: int = 3
    short_hangup_seconds: float = 10.0
    # Aging: a priority caller ranks as if they had already waited this much longer,
    # so an ordinary caller who has waited that much more still goes first.
    priority_head_start: dict[CallerPriority, float] = field(
        default_factory=lambda: {
            CallerPriority.CRISIS: 300.0,
            CallerPriority.CALLBACK: 90.0,
            CallerPriority.REPEAT: 60.0,
        }
    )
    is_open: Callable[[float], bool] = always_open

    def head_start(self, priority: CallerPriority | None) -> float:
        return self.priority_head_start.get(priority, 0.0) if priority else 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RoutingPolicy:
        return cls(
            ring_timeout=settings.ring_timeout,
            max_wait=settings.max_wait,
            max_queue=settings.max_queue,
            wrapup_seconds=settings.wrapup_seconds,
            wrapup_high_risk_seconds=settings.wrapup_high_risk_seconds,
            is_open=open_hours(*settings.open_window, settings.zone),
        )


def open_hours(start: time, end: time, zone: ZoneInfo) -> Callable[[float], bool]:
    """An ``is_open`` for a daily window in the hotline's zone; it may wrap past midnight."""

    def is_open(now: float) -> bool:
        local = datetime.fromtimestamp(now, UTC).astimezone(zone).time()
        if start <= end:
            return start <= local <= end if end == time.max else start <= local < end
        return local >= start or local < end

    return is_open
