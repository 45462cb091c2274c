"""The wallboard's look ahead and the surge suggestion, with the clock passed in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from seats.staffing.advice import surge_advice
from seats.staffing.erlang import ServiceTarget
from seats.staffing.forecast import Forecast, Handling, SlotForecast
from seats.staffing.outlook import gap_flags, hours_ahead
from seats.staffing.rota import Shift, ShiftKind
from seats.staffing.slots import day_slots, slot_start

ZONE = ZoneInfo("Asia/Shanghai")
TUESDAY = date(2026, 11, 3)
HANDLING = Handling(talk_seconds=600, wrapup_seconds=60, patience_seconds=120)


def _forecast(seats_at: dict[int, int], calls: float = 10.0) -> Forecast:
    """Two days from Tuesday; ``seats_at`` maps an hour to the seats it needs (default 3)."""
    slots = tuple(
        SlotForecast(day, index, slot_start(day, index, ZONE), calls, seats_at.get(index // 2, 3))
        for day, index in day_slots(TUESDAY, 2)
    )
    return Forecast(slots, HANDLING, ServiceTarget(), 6, TUESDAY, 0, 0)


def test_gaps_ahead_are_flagged_with_the_hours_and_numbers() -> None:
    forecast = _forecast({19: 9, 20: 9, 21: 8})
    rostered = {Shift(d, k): 7 for d in (TUESDAY, TUESDAY + timedelta(1)) for k in ShiftKind}
    now = datetime(2026, 11, 3, 9, 45, tzinfo=UTC)  # 17:45 in Shanghai
    hours = hours_ahead(forecast, rostered, now=now, zone=ZONE, logged_in=5)
    assert (hours[0].day, hours[0].hour, hours[0].logged_in) == (TUESDAY, 17, 5)
    assert hours[1].logged_in is None  # only the hour under way has logged-in seats
    assert (hours[-1].day, hours[-1].hour) == (TUESDAY + timedelta(1), 23)
    assert len(hours) == 7 + 24
    texts = [(flag.day, flag.text) for flag in gap_flags(hours)]
    assert texts == [
        (TUESDAY, "19:00–21:00: need 9, 7 rostered"),
        (TUESDAY, "21:00–22:00: need 8, 7 rostered"),
        (TUESDAY + timedelta(1), "19:00–21:00: need 9, 7 rostered"),
        (TUESDAY + timedelta(1), "21:00–22:00: need 8, 7 rostered"),
    ]


def test_the_outlook_turns_at_the_hotlines_midnight() -> None:
    forecast = _forecast({})
    late = hours_ahead(
        forecast, {}, now=datetime(2026, 11, 3, 15, 59, tzinfo=UTC), zone=ZONE, logged_in=2
    )
    assert (late[0].day, late[0].hour) == (TUESDAY, 23)  # 23:59 Tuesday: one hour left today
    assert len(late) == 1 + 24
    assert all(h.rostered is None for h in late) and gap_flags(late) == []
    after = hours_ahead(
        forecast, {}, now=datetime(2026, 11, 3, 16, 0, tzinfo=UTC), zone=ZONE, logged_in=2
    )
    assert (after[0].day, after[0].hour) == (TUESDAY + timedelta(1), 0)
    assert len(after) == 24  # the forecast covers two days only: tomorrow's tomorrow is not shown


NOW = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai


def _arrivals(per_five_minutes: list[int]) -> list[datetime]:
    start = NOW - timedelta(minutes=15)
    return [
        start + timedelta(minutes=5 * block, seconds=300 * (n + 0.5) / count)
        for block, count in enumerate(per_five_minutes)
        for n in range(count)
    ]


def test_a_quarter_hour_above_forecast_suggests_surge_seats_and_their_effect() -> None:
    forecast = _forecast({}, calls=10.0)  # 10 calls a half-hour: 1.67 every 5 minutes
    advice = surge_advice(
        _arrivals([5, 6, 5]), forecast, HANDLING, now=NOW, logged_in=4, can_open=12
    )
    assert advice is not None
    assert round(advice.seen_per_hour) == 64 and round(advice.forecast_per_hour) == 20
    assert advice.after.meets(ServiceTarget()) and not advice.now.meets(ServiceTarget())
    assert advice.after.average_wait < advice.now.average_wait
    assert advice.extra_seats >= 1
    assert f"open {advice.extra_seats} surge seat" in advice.text
    assert "average wait" in advice.text and "→" in advice.text


def test_no_suggestion_for_a_busy_moment_or_when_the_seats_cope() -> None:
    forecast = _forecast({}, calls=10.0)
    burst = surge_advice(
        _arrivals([0, 0, 12]), forecast, HANDLING, now=NOW, logged_in=4, can_open=12
    )
    assert burst is None  # one busy 5 minutes is not a quarter of an hour above forecast
    coping = surge_advice(
        _arrivals([5, 6, 5]), forecast, HANDLING, now=NOW, logged_in=18, can_open=6
    )
    assert coping is None
    on_forecast = surge_advice(
        _arrivals([2, 2, 2]), forecast, HANDLING, now=NOW, logged_in=1, can_open=6
    )
    assert on_forecast is None
