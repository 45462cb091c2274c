"""Erlang B, C and A against published tables and against an independent calculation.

Sources of the table values:
* Erlang B: the standard Erlang B (lost-calls) table, as printed in the ITU-D
  "Teletraffic Engineering Handbook" (V. B. Iversen, ITU-D SG2, 2005, the Erlang B
  table in its appendix) and every traffic table since: at 1 % blocking 5 lines carry
  1.36 E, 10 lines 4.46 E, 20 lines 12.03 E.
* Erlang C: the delay table used in the TETRA trunking worked example ("Table C",
  probability of queueing): 8 channels carry 3.87 E at 5 % delay, 10 channels
  4.08 E at 1 % delay.
* The Call Centre Helper worked example ("Erlang C formula made simple"): 100 calls
  per half-hour, 3-minute handle time, 80 % within 20 s needs 14 agents, who leave
  17.4 % of callers waiting and answer 88.8 % within 20 s (13 agents: 79.6 %).
  pyworkforce's test suite checks the same figures.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seats.staffing.erlang import (
    Performance,
    Queue,
    ServiceTarget,
    erlang_b,
    erlang_c,
    performance,
    seats_needed,
)

HALF_HOUR = 1800.0


@pytest.mark.parametrize(("lines", "erlangs"), [(5, 1.36), (10, 4.46), (20, 12.03)])
def test_erlang_b_matches_the_one_percent_column_of_the_table(lines: int, erlangs: float) -> None:
    assert erlang_b(lines, erlangs) == pytest.approx(0.01, abs=0.0005)


@pytest.mark.parametrize(("channels", "erlangs", "delayed"), [(8, 3.87, 0.05), (10, 4.08, 0.01)])
def test_erlang_c_matches_the_published_delay_table(
    channels: int, erlangs: float, delayed: float
) -> None:
    assert erlang_c(channels, erlangs) == pytest.approx(delayed, rel=0.02)


def test_the_worked_example_needs_14_agents() -> None:
    queue = Queue(100 / HALF_HOUR, 180.0)
    assert seats_needed(queue, ServiceTarget(20, 0.8, 0.05)) == 14
    fourteen = performance(queue, 14, 20)
    assert fourteen.wait_probability == pytest.approx(0.1741, abs=0.0001)
    assert fourteen.service_level == pytest.approx(0.888, abs=0.001)
    assert fourteen.occupancy == pytest.approx(0.714, abs=0.001)
    assert performance(queue, 13, 20).service_level == pytest.approx(0.796, abs=0.001)


def test_an_overloaded_erlang_c_queue_never_meets_a_target() -> None:
    queue = Queue(100 / HALF_HOUR, 180.0)
    assert performance(queue, 10, 20) == Performance(10, 1.0, 0.0, 0.0, math.inf, 1.0)


def _service_level_by_uniformisation(queue: Queue, seats: int, within: float) -> float:
    """The same quantity by a different road: the birth-death chain's stationary law,
    then each queued caller's progress simulated by uniformisation of its phases."""
    assert queue.patience_seconds is not None
    mu, theta, lam = 1 / queue.handle_seconds, 1 / queue.patience_seconds, queue.arrival_rate
    weights = [1.0]
    for k in range(1, 300):
        weights.append(weights[-1] * lam / (min(k, seats) * mu + max(k - seats, 0) * theta))
    total = sum(weights)
    level = sum(weights[:seats]) / total
    for ahead in range(300 - seats):
        rate = seats * mu + (ahead + 1) * theta
        phases = [0.0] * ahead + [1.0]
        served, expected, poisson, mass, jumps = 0.0, 0.0, math.exp(-rate * within), 0.0, 0
        while mass < 1 - 1e-13:
            expected += poisson * served
            mass += poisson
            moved = [0.0] * (ahead + 1)
            for i, p in enumerate(phases):
                leave = seats * mu + i * theta
                if i == 0:
                    served += p * leave / rate
                else:
                    moved[i - 1] += p * leave / rate
                moved[i] += p * (1 - (leave + theta) / rate)
            phases, jumps = moved, jumps + 1
            poisson *= rate * within / jumps
        level += weights[seats + ahead] / total * expected
    return level


@pytest.mark.parametrize(
    ("calls", "handle", "patience", "seats"),
    [(100, 180, 120, 14), (100, 180, 120, 8), (30, 600, 90, 9), (12, 660, 150, 5)],
)
def test_erlang_a_service_level_agrees_with_uniformisation(
    calls: int, handle: float, patience: float, seats: int
) -> None:
    queue = Queue(calls / HALF_HOUR, handle, patience)
    expected = _service_level_by_uniformisation(queue, seats, 20)
    assert performance(queue, seats, 20).service_level == pytest.approx(expected, abs=1e-9)


def test_erlang_a_tends_to_erlang_c_as_callers_grow_patient() -> None:
    patient = performance(Queue(100 / HALF_HOUR, 180, 5e5), 14, 20)
    endless = performance(Queue(100 / HALF_HOUR, 180, None), 14, 20)
    assert patient.service_level == pytest.approx(endless.service_level, abs=1e-4)
    assert patient.wait_probability == pytest.approx(endless.wait_probability, abs=1e-4)
    assert patient.abandon_rate < 1e-3


def test_callers_who_hang_up_need_fewer_seats_than_erlang_c_says() -> None:
    target = ServiceTarget(20, 0.8, 0.05)
    impatient = Queue(100 / HALF_HOUR, 180, 60)
    assert seats_needed(impatient, target) <= seats_needed(Queue(100 / HALF_HOUR, 180), target)


loads = st.builds(
    Queue,
    arrival_rate=st.floats(0.1, 60).map(lambda calls: calls / HALF_HOUR),
    handle_seconds=st.floats(60, 1500),
    patience_seconds=st.one_of(st.none(), st.floats(20, 900)),
)


@settings(max_examples=60, deadline=None)
@given(loads, st.integers(1, 30))
def test_another_seat_never_makes_callers_worse_off(queue: Queue, seats: int) -> None:
    fewer, more = performance(queue, seats, 20), performance(queue, seats + 1, 20)
    assert more.service_level >= fewer.service_level - 1e-12
    assert more.abandon_rate <= fewer.abandon_rate + 1e-12
    assert 0 <= more.service_level <= 1 and 0 <= more.abandon_rate <= 1


@settings(max_examples=60, deadline=None)
@given(loads)
def test_the_staffing_is_the_fewest_seats_that_meet_the_target(queue: Queue) -> None:
    target = ServiceTarget(20, 0.8, 0.05)
    seats = seats_needed(queue, target)
    assert performance(queue, seats, 20).meets(target)
    assert seats == 1 or not performance(queue, seats - 1, 20).meets(target)
