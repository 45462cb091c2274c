"""Queueing formulas that turn a call load into seats: Erlang B, Erlang C and Erlang A.

Pure math over floats, no I/O. Times are seconds, rates are calls per second.

Erlang A (Palm's M/M/n+M queue) is the model we staff with: callers hang up when
they have waited longer than their patience (exponential, mean ``patience``), as
the hotline's callers do. Erlang C is the same queue with infinitely patient
callers; it over-staffs a queue whose callers abandon and is kept for validation
against the published tables and for histories in which nobody ever abandoned.

Erlang A, for n seats, load a = λ/μ, x = nμ/θ, y = λ/θ (θ = 1/patience):

* the states above n (callers queueing) have π(n+m)/π(n) = Π_{j≤m} y/(x+j);
  their sum is A(x, y) = Σ_m Π_{j≤m} y/(x+j) (a series, summed until it vanishes);
* π(n) = B / (1 + (A−1)·B) with B the Erlang B blocking of n seats at load a,
  and P(wait) = A·π(n) (Mandelbaum & Zeltyn, "The Palm/Erlang-A queue", 2007);
* P(abandon) = θ·E[queue]/λ, and the mean wait of all callers is E[queue]/λ (Little);
* a caller who finds m others queueing is answered within t when the m+1 phases
  ahead of it (rates nμ + iθ, i = m..0) end before t and before its own patience.
  Adding its own abandonment rate to every phase, the surviving fraction telescopes
  to nμ/(nμ+(m+1)θ) and the phase sum is the (m+1)-th order statistic of x+m+1
  exponentials of rate θ, a regularised incomplete beta I_p(m+1, x+1) with
  p = 1−e^{−θt}; for integer first argument it is a finite negative-binomial sum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Beyond this mean patience (seconds) callers are taken as never hanging up: the
# Erlang A series would need millions of terms for a result Erlang C gives exactly.
ENDLESS_PATIENCE = 1e6
SERIES_EPSILON = 1e-15
MAX_SERIES_TERMS = 100_000
MAX_SEATS = 1000


@dataclass(frozen=True)
class Queue:
    """One interval's calls: arrival rate, handle time (talk + wrap-up) and patience."""

    arrival_rate: float  # calls per second
    handle_seconds: float
    patience_seconds: float | None = None  # mean; None: callers never hang up (Erlang C)

    def __post_init__(self) -> None:
        if self.arrival_rate < 0:
            raise ValueError("the arrival rate cannot be negative")
        if self.handle_seconds <= 0:
            raise ValueError("the handle time must be positive")
        if self.patience_seconds is not None and self.patience_seconds <= 0:
            raise ValueError("the mean patience must be positive")

    @property
    def load(self) -> float:
        """Offered load in Erlangs."""
        return self.arrival_rate * self.handle_seconds

    @property
    def abandons(self) -> bool:
        return self.patience_seconds is not None and self.patience_seconds < ENDLESS_PATIENCE


@dataclass(frozen=True)
class ServiceTarget:
    """The hotline's promise: 80 % answered within 20 s, at most 5 % hanging up waiting."""

    answer_within: float = 20.0
    service_level: float = 0.8
    max_abandon: float = 0.05

    def __post_init__(self) -> None:
        if self.answer_within < 0:
            raise ValueError("answer_within cannot be negative")
        if not 0 < self.service_level < 1:
            raise ValueError("the service level must lie strictly between 0 and 1")
        if not 0 < self.max_abandon < 1:
            raise ValueError("the abandon rate must lie strictly between 0 and 1")


@dataclass(frozen=True)
class Performance:
    """What callers get from ``seats`` seats, as shares of all offered calls."""

    seats: int
    wait_probability: float
    service_level: float  # answered within the target time
    abandon_rate: float
    average_wait: float  # seconds, over every caller (answered or not); inf when unstable
    occupancy: float

    def meets(self, target: ServiceTarget) -> bool:
        return (
            self.service_level >= target.service_level and self.abandon_rate <= target.max_abandon
        )


def erlang_b(seats: int, load: float) -> float:
    """Blocking probability of ``seats`` servers without a queue (stable recursion)."""
    if seats < 0 or load < 0:
        raise ValueError("seats and load cannot be negative")
    blocking = 1.0
    for k in range(1, seats + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def erlang_c(seats: int, load: float) -> float:
    """Probability that a caller waits, for infinitely patient callers (1.0 when overloaded)."""
    if seats <= load:
        return 1.0
    blocking = erlang_b(seats, load)
    return seats * blocking / (seats - load * (1 - blocking))


def performance(queue: Queue, seats: int, answer_within: float) -> Performance:
    """Service level, abandonment and waits of ``queue`` served by ``seats`` seats."""
    if seats < 0:
        raise ValueError("seats cannot be negative")
    if queue.arrival_rate == 0:
        return Performance(seats, 0.0, 1.0, 0.0, 0.0, 0.0)
    if seats == 0:
        abandon = 1.0 if queue.abandons else 0.0
        return Performance(0, 1.0, 0.0, abandon, math.inf, 1.0)
    if queue.abandons:
        return _erlang_a(queue, seats, answer_within)
    return _erlang_c(queue, seats, answer_within)


def _erlang_c(queue: Queue, seats: int, answer_within: float) -> Performance:
    load = queue.load
    if seats <= load:  # the queue grows without bound
        return Performance(seats, 1.0, 0.0, 0.0, math.inf, 1.0)
    waits = erlang_c(seats, load)
    service_rate = seats / queue.handle_seconds
    level = 1 - waits * math.exp(-(service_rate - queue.arrival_rate) * answer_within)
    average = waits / (service_rate - queue.arrival_rate)
    return Performance(seats, waits, level, 0.0, average, load / seats)


def _erlang_a(queue: Queue, seats: int, answer_within: float) -> Performance:
    assert queue.patience_seconds is not None
    theta = 1 / queue.patience_seconds
    mu = 1 / queue.handle_seconds
    lam = queue.arrival_rate
    x, y = seats * mu / theta, lam / theta
    ratios = _queue_ratios(x, y)  # π(n+m)/π(n) for m = 0, 1, ...
    total = math.fsum(ratios)
    blocking = erlang_b(seats, queue.load)
    at_n = blocking / (1 + (total - 1) * blocking)
    waits = min(1.0, at_n * total)
    queued = at_n * math.fsum(m * r for m, r in enumerate(ratios))
    abandon = min(1.0, theta * queued / lam)
    level = 1 - waits + at_n * _answered_in_time(ratios, seats * mu, theta, answer_within)
    served = lam * (1 - abandon)
    return Performance(
        seats,
        waits,
        min(1.0, max(0.0, level)),
        abandon,
        queued / lam,
        min(1.0, served * queue.handle_seconds / seats),
    )


def _queue_ratios(x: float, y: float) -> list[float]:
    ratios = [1.0]
    term, total = 1.0, 1.0
    for j in range(1, MAX_SERIES_TERMS):
        term *= y / (x + j)
        ratios.append(term)
        total += term
        # The terms grow while y > x + j; past the peak they fall faster than geometrically.
        if y < x + j and term < SERIES_EPSILON * total:
            return ratios
    return ratios


def _answered_in_time(ratios: list[float], service: float, theta: float, within: float) -> float:
    """Σ_m r_m · P(a caller with m others ahead is answered within ``within``)."""
    p = -math.expm1(-theta * within)
    tail = math.exp(-(service + theta) * within)
    x = service / theta
    coefficient, partial, answered = 1.0, 0.0, 0.0
    for m, ratio in enumerate(ratios):
        if m:
            coefficient *= (x + m) / m * p
        partial += coefficient
        in_time = max(0.0, 1 - tail * partial)
        answered += ratio * service / (service + (m + 1) * theta) * in_time
    return answered


def seats_needed(queue: Queue, target: ServiceTarget, *, at_most: int = MAX_SEATS) -> int:
    """The fewest seats that meet ``target`` (0 for no calls); ValueError past ``at_most``."""
    if queue.arrival_rate == 0:
        return 0
    seats = max(1, math.floor(queue.load * (1 - target.max_abandon)))
    while seats <= at_most:
        if performance(queue, seats, target.answer_within).meets(target):
            return seats
        seats += 1
    raise ValueError(f"no staffing up to {at_most} seats meets the service target")
