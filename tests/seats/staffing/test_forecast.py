"""The forecast recovers known Poisson rates, leaves campaigns out and keeps the hotline's clock.

Tolerance: with W weeks of history each weekday half-hour is the mean of W Poisson
counts, whose standard error is √(λ/W). Every one of the 336 weekday half-hours must
lie within 4.5 standard errors of its true rate (+ 0.05 calls), and every day's total
within 5 % of the true daily total.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from seats.staffing.erlang import Queue, ServiceTarget, seats_needed
from seats.staffing.forecast import (
    CallFact,
    count_slots,
    forecast_at,
    make_forecast,
    measure_handling,
)
from seats.staffing.slots import SLOTS_PER_DAY, slot_of
from seats.staffing.synthetic import Callers, Campaign, hotline_rates, synthetic_calls

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKS = 8
FIRST = date(2026, 9, 7)  # a Monday
NOW = datetime(2026, 11, 1, 16, 0, tzinfo=UTC)  # Monday 2 Nov 00:00 in Shanghai
RATES = hotline_rates(8.0)


def _history(campaigns: tuple[Campaign, ...] = ()) -> list[CallFact]:
    return list(synthetic_calls(RATES, FIRST, 7 * WEEKS, SHANGHAI, seed=17, campaigns=campaigns))


def _forecast(calls: list[CallFact], now: datetime = NOW) -> object:
    return forecast_at(
        now,
        calls,
        [60.0] * 10,
        zone=SHANGHAI,
        observed_from=datetime(2026, 9, 6, 16, 0, tzinfo=UTC),
        default_wrapup=60.0,
        weeks=WEEKS,
    )


def test_the_forecast_recovers_the_poisson_rates_behind_the_history() -> None:
    forecast = _forecast(_history())
    assert forecast.as_of == date(2026, 11, 2)
    assert len(forecast.slots) == 14 * SLOTS_PER_DAY
    for slot in forecast.slots:
        rate = RATES[slot.day.weekday(), slot.index]
        tolerance = 4.5 * math.sqrt(rate / WEEKS) + 0.05
        assert abs(slot.offered - rate) <= tolerance, (slot, rate)
    for offset in range(14):
        day = forecast.as_of + timedelta(days=offset)
        expected = sum(RATES[day.weekday(), i] for i in range(SLOTS_PER_DAY))
        got = sum(s.offered for s in forecast.slots if s.day == day)
        assert got == pytest.approx(expected, rel=0.05)


def test_handle_time_and_patience_are_measured_from_the_calls() -> None:
    handling = measure_handling(_history(), [50.0, 70.0], default_wrapup=60.0)
    callers = Callers()
    assert handling.talk_seconds == pytest.approx(callers.talk, rel=0.05)
    assert handling.wrapup_seconds == 60.0
    assert handling.patience_seconds == pytest.approx(callers.patience, rel=0.1)
    assert handling.abandoned > 1000


def test_each_half_hour_is_staffed_by_erlang_a_for_its_own_load() -> None:
    forecast = _forecast(_history())
    handling = forecast.handling
    for slot in forecast.slots[:96]:
        queue = Queue(slot.offered / 1800, handling.handle_seconds, handling.patience_seconds)
        assert slot.seats == seats_needed(queue, ServiceTarget())
    peak = max(forecast.slots, key=lambda s: s.offered)
    quiet = min(forecast.slots, key=lambda s: s.offered)
    assert peak.seats > quiet.seats >= 1
    assert peak.index // 2 in (19, 20, 21)  # the evening peak after school


def test_a_campaign_is_left_out_of_the_normal_forecast() -> None:
    flood = Campaign("flood", date(2026, 10, 5), date(2026, 10, 11), factor=4.0)
    with_flood = _history((flood,))
    marked = _forecast(with_flood)
    assert marked.campaign_slots == 7 * SLOTS_PER_DAY
    unmarked = _forecast(
        [CallFact(c.arrived_at, c.answered_at, c.ended_at, c.outcome) for c in with_flood]
    )
    total = sum(RATES.values()) * 2
    assert sum(s.offered for s in marked.slots) == pytest.approx(total, rel=0.05)
    assert sum(s.offered for s in unmarked.slots) > total * 1.2  # what a naive mean gives


def test_history_before_the_system_recorded_is_not_read_as_silence() -> None:
    calls = [c for c in _history() if c.arrived_at >= datetime(2026, 10, 18, 16, tzinfo=UTC)]
    forecast = forecast_at(
        NOW,
        calls,
        [],
        zone=SHANGHAI,
        observed_from=datetime(2026, 10, 18, 16, tzinfo=UTC),
        default_wrapup=60.0,
        weeks=WEEKS,
    )
    total = sum(RATES.values()) * 2
    assert forecast.observed_slots == 14 * SLOTS_PER_DAY
    assert sum(s.offered for s in forecast.slots) == pytest.approx(total, rel=0.1)


def test_half_hours_are_the_hotlines_local_ones_across_midnight() -> None:
    sunday_last = datetime(2026, 11, 1, 15, 59, 59, tzinfo=UTC)  # Sun 23:59:59 in Shanghai
    monday_first = datetime(2026, 11, 1, 16, 0, tzinfo=UTC)  # Mon 00:00
    assert slot_of(sunday_last, SHANGHAI) == (date(2026, 11, 1), 47)
    assert slot_of(monday_first, SHANGHAI) == (date(2026, 11, 2), 0)
    assert slot_of(datetime(2026, 11, 1, 15, 30, tzinfo=UTC), SHANGHAI) == (date(2026, 11, 1), 47)
    calls = [CallFact(sunday_last), CallFact(monday_first), CallFact(monday_first)]
    counts = count_slots(calls, SHANGHAI, datetime(2026, 10, 1, tzinfo=UTC), NOW)
    assert counts.offered == {(date(2026, 11, 1), 47): 1, (date(2026, 11, 2), 0): 2}
    # the Monday 00:00 half-hour is under way at NOW, so it is not yet an observation
    assert counts.observed((date(2026, 11, 1), 47))
    assert not counts.observed((date(2026, 11, 2), 0))


def test_the_forecast_day_turns_at_the_hotlines_midnight_not_utc() -> None:
    calls = _history()
    before = _forecast(calls, datetime(2026, 11, 1, 15, 59, 59, tzinfo=UTC))
    after = _forecast(calls, datetime(2026, 11, 1, 16, 0, tzinfo=UTC))
    assert before.slots[0].day == date(2026, 11, 1)  # Sunday, 23:59 in Shanghai
    assert after.slots[0].day == date(2026, 11, 2)
    assert before.slots[0].start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert after.slot((date(2026, 11, 2), 47)).start == datetime(2026, 11, 2, 15, 30, tzinfo=UTC)


def test_no_history_forecasts_no_calls_and_needs_no_seats() -> None:
    counts = count_slots([], SHANGHAI, NOW - timedelta(days=1), NOW)
    handling = measure_handling([], [], default_wrapup=60.0)
    forecast = make_forecast(
        counts, handling, first=date(2026, 11, 2), days=1, as_of=date(2026, 11, 2)
    )
    assert {(s.offered, s.seats) for s in forecast.slots} == {(0.0, 0)}
    assert handling.patience_seconds is None and handling.talk_seconds == 600.0


def test_accuracy_compares_each_half_hour_with_the_forecast_made_the_day_before() -> None:
    from seats.staffing.accuracy import backtest

    flood = Campaign("flood", date(2026, 10, 26), date(2026, 10, 27), factor=4.0)
    calls = _history((flood,))
    counts = count_slots(calls, SHANGHAI, datetime(2026, 9, 6, 16, tzinfo=UTC), NOW)
    accuracy = backtest(counts, date(2026, 10, 19), date(2026, 11, 1), weeks=4)
    assert len(accuracy.slots) + accuracy.left_out == 14 * SLOTS_PER_DAY
    assert accuracy.left_out == 2 * SLOTS_PER_DAY  # the flood's two days
    assert all(slot.day not in (flood.first, flood.last) for slot in accuracy.slots)
    # Poisson noise alone: each half-hour's count strays by about √λ from a good forecast.
    assert accuracy.wape is not None and 0.15 < accuracy.wape < 0.45
    assert accuracy.bias is not None and abs(accuracy.bias) < 0.05
    first_day = accuracy.within(
        datetime(2026, 10, 18, 16, tzinfo=UTC), datetime(2026, 10, 19, 16, tzinfo=UTC)
    )
    assert len(first_day.slots) == SLOTS_PER_DAY
    assert first_day.slots[0].start == datetime(2026, 10, 18, 16, tzinfo=UTC)  # 00:00 local
