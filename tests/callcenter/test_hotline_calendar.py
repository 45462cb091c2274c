"""Every rule that turns an instant into a hotline date or hour, at its boundaries.

The hotline is in Asia/Shanghai (UTC+8): its day turns at 16:00 UTC. Each rule is
checked one second either side of local midnight, with the clock frozen, so no
result depends on the hour the suite runs or on the machine's own zone
(``tests/test_machine_zones.py`` runs this module under several ``TZ``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.callback.policy import CallbackPolicy, in_quiet_hours, quiet_hours_end
from acd.policy import open_hours
from callcenter.kernel.calendar import (
    Period,
    day_start,
    local_date,
    local_iso,
    period_span,
    utc_offset,
)
from crisis.report import month_bounds
from workorders.numbering import local_day
from workorders.stats.core import Grouping, bucket_of, time_buckets
from workorders.stats.report import month_days

pytestmark = pytest.mark.hotline_time

SHANGHAI = ZoneInfo("Asia/Shanghai")
LAST_SECOND = datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC)  # 23:59:59 on 30 Nov, hotline
FIRST_SECOND = datetime(2026, 11, 30, 16, 0, 0, tzinfo=UTC)  # 00:00:00 on 1 Dec, hotline
ZONES = [
    "Asia/Shanghai",
    "UTC",
    "America/Los_Angeles",
    "Europe/London",
    "Pacific/Kiritimati",
    "Etc/GMT+12",
]


def test_the_hotline_day_turns_at_local_midnight_not_at_utc_midnight() -> None:
    assert local_date(LAST_SECOND, SHANGHAI) == date(2026, 11, 30)
    assert local_date(FIRST_SECOND, SHANGHAI) == date(2026, 12, 1)
    assert day_start(date(2026, 12, 1), SHANGHAI) == FIRST_SECOND


def test_today_this_week_and_this_month_either_side_of_midnight() -> None:
    before = {p: period_span(p, LAST_SECOND, SHANGHAI) for p in Period}
    after = {p: period_span(p, FIRST_SECOND, SHANGHAI) for p in Period}
    assert (before[Period.TODAY].first, after[Period.TODAY].first) == (
        date(2026, 11, 30),
        date(2026, 12, 1),
    )
    assert after[Period.YESTERDAY].first == date(2026, 11, 30)
    assert before[Period.TODAY].ends_at == after[Period.TODAY].starts_at == FIRST_SECOND
    # 30 Nov 2026 is a Monday; 1 Dec a Tuesday of the same week.
    assert before[Period.THIS_WEEK] == after[Period.THIS_WEEK]
    assert before[Period.THIS_WEEK].first == date(2026, 11, 30)
    assert (before[Period.THIS_MONTH].first, before[Period.THIS_MONTH].last) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
    )
    assert (after[Period.THIS_MONTH].first, after[Period.THIS_MONTH].last) == (
        date(2026, 12, 1),
        date(2026, 12, 31),
    )


@given(
    moment=st.datetimes(
        min_value=datetime(2020, 1, 1),  # noqa: DTZ001 (hypothesis bounds are naive)
        max_value=datetime(2035, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    zone=st.sampled_from(ZONES).map(ZoneInfo),
    period=st.sampled_from(list(Period)),
)
def test_every_period_holds_the_instant_it_was_asked_for(
    moment: datetime, zone: ZoneInfo, period: Period
) -> None:
    span = period_span(period, moment, zone)
    if period is Period.YESTERDAY:
        assert span.ends_at <= moment
        assert span.last == local_date(moment, zone) - timedelta(days=1)
    else:
        assert span.starts_at <= moment < span.ends_at
        assert span.first <= local_date(moment, zone) <= span.last
    assert local_date(span.starts_at, zone) == span.first


def test_exports_write_local_time_with_its_offset() -> None:
    assert local_iso(FIRST_SECOND, SHANGHAI) == "2026-12-01T00:00:00+08:00"
    assert utc_offset(FIRST_SECOND, SHANGHAI) == "+08:00"
    assert utc_offset(FIRST_SECOND, ZoneInfo("Etc/GMT+12")) == "-12:00"
    with pytest.raises(ValueError, match="naive"):
        local_iso(datetime(2026, 12, 1), SHANGHAI)  # noqa: DTZ001 (the error under test)


def test_work_order_numbers_carry_the_hotline_day() -> None:
    assert local_day(LAST_SECOND, SHANGHAI) == "20261130"
    assert local_day(FIRST_SECOND, SHANGHAI) == "20261201"


def test_statistics_put_an_instant_in_the_hotline_day_it_happened() -> None:
    buckets = time_buckets(date(2026, 11, 30), date(2026, 12, 1), Grouping.DAY, SHANGHAI)
    assert bucket_of(LAST_SECOND, buckets) == "2026-11-30"
    assert bucket_of(FIRST_SECOND, buckets) == "2026-12-01"
    months = time_buckets(date(2026, 11, 1), date(2026, 12, 31), Grouping.MONTH, SHANGHAI)
    assert bucket_of(LAST_SECOND, months) == "2026-11"
    assert bucket_of(FIRST_SECOND, months) == "2026-12"


def test_monthly_reports_cover_the_hotline_month() -> None:
    assert month_days("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    assert month_bounds("2026-12", SHANGHAI) == (
        FIRST_SECOND,
        datetime(2026, 12, 31, 16, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (datetime(2026, 11, 30, 13, 59, 59, tzinfo=UTC), False),  # 21:59:59 local
        (datetime(2026, 11, 30, 14, 0, 0, tzinfo=UTC), True),  # 22:00:00 local
        (LAST_SECOND, True),
        (FIRST_SECOND, True),
        (datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC), True),  # 07:59:59 local
        (datetime(2026, 12, 1, 0, 0, 0, tzinfo=UTC), False),  # 08:00:00 local
    ],
)
def test_callback_quiet_hours_are_the_hotlines_evening_and_night(
    moment: datetime, quiet: bool
) -> None:
    policy = CallbackPolicy(quiet_start=time(22), quiet_end=time(8))
    assert in_quiet_hours(moment, SHANGHAI, policy) is quiet
    if quiet:
        assert quiet_hours_end(moment, SHANGHAI, policy) == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC), False),  # 07:59:59 local
        (datetime(2026, 12, 1, 0, 0, 0, tzinfo=UTC), True),  # 08:00 local
        (datetime(2026, 12, 1, 11, 59, 59, tzinfo=UTC), True),  # 19:59:59 local
        (datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC), False),  # 20:00 local
    ],
)
def test_open_hours_are_the_hotlines_hours(moment: datetime, is_open: bool) -> None:
    assert open_hours(time(8), time(20), SHANGHAI)(moment.timestamp()) is is_open


def test_a_round_the_clock_hotline_is_open_either_side_of_midnight() -> None:
    always = open_hours(time(0), time.max, SHANGHAI)
    assert always(LAST_SECOND.timestamp()) and always(FIRST_SECOND.timestamp())
