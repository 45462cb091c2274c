"""The pure rules: lifecycle transitions, numbering, referral deadlines, statistics buckets."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workorders.lifecycle import Allowed, Denied, Status, allowed_from, check_transition
from workorders.numbering import local_day, readable_number
from workorders.reference import category_problem, region_problem, regions, taxonomy
from workorders.referrals.core import (
    Deadline,
    Party,
    ReferralClock,
    ReferralStatus,
    check_step,
    missed_deadline,
)
from workorders.stats.core import Grouping, bucket_of, time_buckets

pytestmark = pytest.mark.hotline_time

SHANGHAI = ZoneInfo("Asia/Shanghai")
statuses = st.sampled_from(list(Status))


def test_the_documented_lifecycle_is_allowed() -> None:
    path = [Status.NEW, Status.IN_PROGRESS, Status.ESCALATED, Status.REFERRED, Status.CLOSED]
    for old, new in itertools.pairwise(path):
        assert isinstance(check_transition(old, new), Allowed), (old, new)
    for outcome in (Status.RESOLVED, Status.REFERRED, Status.ESCALATED):
        assert outcome in allowed_from(Status.IN_PROGRESS)
        assert Status.CLOSED in allowed_from(outcome)


@given(statuses, statuses, st.one_of(st.none(), st.text(max_size=5)))
def test_every_decision_lists_what_is_allowed(old: Status, new: Status, reason: str | None) -> None:
    decision = check_transition(old, new, reason)
    if isinstance(decision, Denied):
        assert decision.allowed == allowed_from(old)
        assert decision.reason
    else:
        assert new in allowed_from(old)


@given(statuses)
def test_nothing_leaves_merged_and_nothing_enters_it_by_status(old: Status) -> None:
    assert allowed_from(Status.MERGED) == ()
    assert Status.MERGED not in allowed_from(old)
    assert Status.NEW not in allowed_from(old)


@pytest.mark.parametrize("old", [Status.RESOLVED, Status.REFERRED, Status.ESCALATED, Status.CLOSED])
def test_reopening_needs_a_reason(old: Status) -> None:
    assert isinstance(check_transition(old, Status.IN_PROGRESS, "  "), Denied)
    decision = check_transition(old, Status.IN_PROGRESS, "rang back")
    assert isinstance(decision, Allowed) and decision.reopening


@given(st.datetimes(timezones=st.just(UTC)), st.integers(min_value=1, max_value=99_999))
def test_readable_numbers_carry_the_local_day(at: datetime, sequence: int) -> None:
    number = readable_number("12355", local_day(at, SHANGHAI), sequence)
    hotline, day, seq = number.split("-")
    assert hotline == "12355"
    assert day == at.astimezone(SHANGHAI).strftime("%Y%m%d")
    assert int(seq) == sequence and len(seq) >= 4


def test_reference_data_covers_henan() -> None:
    cities = regions()
    assert len(cities) == 18
    assert {"郑州市", "开封市", "洛阳市", "南阳市", "济源市", "驻马店市"} <= set(cities)
    assert "金水区" in cities["郑州市"] and cities["济源市"] == ()
    assert region_problem("郑州市", "金水区") is None
    assert region_problem("郑州市", "洛龙区")
    assert region_problem("北京市", None)
    assert {"psychological", "legal", "other"} == set(taxonomy())
    assert category_problem("psychological", "self_harm_risk") is None
    assert category_problem("legal", "bullying") is None
    assert category_problem("legal", "emotions")


def test_referral_steps_belong_to_their_party() -> None:
    assert check_step(ReferralStatus.SENT, ReferralStatus.ACCEPTED, Party.SITE) is None
    assert (
        check_step(ReferralStatus.OUTCOME_REPORTED, ReferralStatus.CLOSED, Party.PROVINCE) is None
    )
    refused = check_step(ReferralStatus.SENT, ReferralStatus.ACCEPTED, Party.PROVINCE)
    assert refused is not None and refused.allowed == ()
    skipped = check_step(ReferralStatus.SENT, ReferralStatus.CLOSED, Party.PROVINCE)
    assert skipped is not None and "cannot move" in skipped.reason


@given(st.integers(min_value=-100_000, max_value=100_000))
def test_a_referral_is_late_only_after_its_open_deadline(offset: int) -> None:
    due = datetime(2026, 11, 28, 2, tzinfo=UTC)
    now = due + timedelta(seconds=offset)
    sent = ReferralClock(ReferralStatus.SENT, due, None)
    accepted = ReferralClock(ReferralStatus.ACCEPTED, due - timedelta(days=1), due)
    closed = ReferralClock(ReferralStatus.CLOSED, due - timedelta(days=9), due - timedelta(days=8))
    assert missed_deadline(sent, now) == ((Deadline.ACCEPT, due) if offset > 0 else None)
    assert missed_deadline(accepted, now) == ((Deadline.OUTCOME, due) if offset > 0 else None)
    assert missed_deadline(closed, now) is None


@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)),
    st.integers(min_value=0, max_value=120),
    st.sampled_from([Grouping.DAY, Grouping.WEEK, Grouping.MONTH]),
    st.integers(min_value=0, max_value=10**7),
)
def test_time_buckets_tile_the_period(
    first: date, length: int, grouping: Grouping, probe: int
) -> None:
    last = first + timedelta(days=length)
    buckets = time_buckets(first, last, grouping, SHANGHAI)
    assert buckets[0].start == datetime.combine(first, datetime.min.time(), SHANGHAI)
    assert buckets[-1].end == datetime.combine(last + timedelta(1), datetime.min.time(), SHANGHAI)
    for before, after in itertools.pairwise(buckets):
        assert before.end == after.start
    assert len({b.key for b in buckets}) == len(buckets)
    moment = buckets[0].start + timedelta(
        seconds=probe % int((buckets[-1].end - buckets[0].start).total_seconds())
    )
    holders = [b.key for b in buckets if b.start <= moment < b.end]
    assert holders == [bucket_of(moment, buckets)]
    assert bucket_of(buckets[-1].end, buckets) is None
