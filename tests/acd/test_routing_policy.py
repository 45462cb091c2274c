"""The routing policy: open hours in the hotline's zone and the settings it is built from."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from acd.policy import CallerPriority, RoutingPolicy, open_hours
from callcenter.kernel.settings import Settings

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0) -> float:
    return datetime(2026, 11, 28, hour, minute, tzinfo=SHANGHAI).timestamp()


def test_a_day_window_is_open_from_its_start_until_just_before_its_end() -> None:
    is_open = open_hours(time(8), time(22), SHANGHAI)
    assert [is_open(at(h, m)) for h, m in [(7, 59), (8, 0), (21, 59), (22, 0)]] == [
        False,
        True,
        True,
        False,
    ]


def test_a_night_window_wraps_past_midnight() -> None:
    is_open = open_hours(time(22), time(6), SHANGHAI)
    assert [is_open(at(h)) for h in (21, 22, 0, 5, 6, 12)] == [
        False,
        True,
        True,
        True,
        False,
        False,
    ]


@given(st.floats(min_value=1.7e9, max_value=2.0e9))
def test_the_default_window_is_open_around_the_clock(now: float) -> None:
    settings = Settings()
    assert RoutingPolicy.from_settings(settings).is_open(now)
    assert RoutingPolicy().is_open(now)


def test_the_policy_takes_its_numbers_from_the_settings() -> None:
    settings = Settings(
        ring_timeout=20,
        max_wait=90,
        max_queue=30,
        wrapup_seconds=45,
        wrapup_high_risk_seconds=240,
        open_hours="08:00-22:00",
    )
    policy = RoutingPolicy.from_settings(settings)
    assert (policy.ring_timeout, policy.max_wait, policy.max_queue) == (20, 90, 30)
    assert (policy.wrapup_seconds, policy.wrapup_high_risk_seconds) == (45, 240)
    assert not policy.is_open(at(7))


def test_crisis_callers_get_the_larger_head_start() -> None:
    policy = RoutingPolicy()
    assert policy.head_start(CallerPriority.CRISIS) > policy.head_start(CallerPriority.CALLBACK)
    assert policy.head_start(None) == 0.0
