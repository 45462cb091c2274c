"""When calls run above the forecast, whether to open surge seats and what it would do to waits.

Pure, with ``now`` passed in. "Running above forecast" means each of the last three
5-minute blocks brought more calls than forecast by a fifth, and the whole 15
minutes by more than Poisson noise (two standard deviations): one busy minute does
not trip it, a quarter of an hour of excess does. Then Erlang A at the rate seen
says what the logged-in seats deliver, and the fewest extra seats (up to the surge
capacity) that restore the service target, with the average wait before and after.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from seats.staffing.erlang import Performance, Queue, ServiceTarget, performance
from seats.staffing.forecast import Forecast, Handling
from seats.staffing.slots import SLOT

WINDOW = timedelta(minutes=15)
BLOCKS = 3
EXCESS = 1.2  # each block at least a fifth above forecast
NOISE_SIGMAS = 2.0


@dataclass(frozen=True)
class SurgeAdvice:
    seen_per_hour: float
    forecast_per_hour: float
    logged_in: int
    extra_seats: int  # the suggestion: open this many more seats
    now: Performance
    after: Performance

    @property
    def text(self) -> str:
        return (
            f"Calls have run above forecast for 15 minutes ({self.seen_per_hour:.0f}/h against "
            f"{self.forecast_per_hour:.0f}/h): open {self.extra_seats} surge seat"
            f"{'s' if self.extra_seats != 1 else ''}; average wait "
            f"{_seconds(self.now.average_wait)} → {_seconds(self.after.average_wait)}, answered "
            f"within 20 s {self.now.service_level:.0%} → {self.after.service_level:.0%}"
        )


def _seconds(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:.0f} s"


def expected_calls(forecast: Forecast, start: datetime, end: datetime) -> float:
    """Calls the forecast expects in [start, end), pro rata over its half-hours."""
    total = 0.0
    for slot in forecast.slots:
        overlap = min(end, slot.start + SLOT) - max(start, slot.start)
        if overlap > timedelta(0):
            total += slot.offered * overlap / SLOT
    return total


def surge_advice(
    arrivals: Sequence[datetime],
    forecast: Forecast,
    handling: Handling,
    *,
    now: datetime,
    logged_in: int,
    can_open: int,
    target: ServiceTarget | None = None,
) -> SurgeAdvice | None:
    """A suggestion to open seats, or None while calls run to forecast or the seats cope."""
    target = target or ServiceTarget()
    start = now - WINDOW
    block = WINDOW / BLOCKS
    expected_total = expected_calls(forecast, start, now)
    seen_total = sum(1 for at in arrivals if start <= at < now)
    for n in range(BLOCKS):
        begin = start + n * block
        seen = sum(1 for at in arrivals if begin <= at < begin + block)
        if seen <= EXCESS * expected_calls(forecast, begin, begin + block):
            return None
    if seen_total <= expected_total + NOISE_SIGMAS * math.sqrt(expected_total):
        return None
    rate = seen_total / WINDOW.total_seconds()
    queue = Queue(rate, handling.handle_seconds, handling.patience_seconds)
    current = performance(queue, logged_in, target.answer_within)
    if current.meets(target) or can_open <= 0:
        return None
    extra, after = can_open, performance(queue, logged_in + can_open, target.answer_within)
    for more in range(1, can_open + 1):
        candidate = performance(queue, logged_in + more, target.answer_within)
        if candidate.meets(target):
            extra, after = more, candidate
            break
    return SurgeAdvice(
        seen_per_hour=rate * 3600,
        forecast_per_hour=expected_total * 4,
        logged_in=logged_in,
        extra_seats=extra,
        now=current,
        after=after,
    )
