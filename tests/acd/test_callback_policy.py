"""The callback rules: schedule, retries, quiet hours and dial order (pure, no I/O)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.callback.policy import (
    AttemptOutcome,
    CallbackPolicy,
    Candidate,
    Close,
    Retry,
    TaskStatus,
    after_attempt,
    dial_order,
    first_due,
    in_quiet_hours,
    merged_due,
    outcome_of_dial_status,
    quiet_hours_end,
)

pytestmark = pytest.mark.hotline_time

SHANGHAI = ZoneInfo("Asia/Shanghai")
POLICY = CallbackPolicy()
T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai

moments = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001 (hypothesis bounds are naive)
    max_value=datetime(2030, 1, 1),  # noqa: DTZ001 (hypothesis bounds are naive)
    timezones=st.just(UTC),
)


def local(hour: int, minute: int = 0, day: int = 28) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def test_first_attempt_is_five_minutes_after_the_miss() -> None:
    assert first_due(T0, POLICY) == T0 + timedelta(minutes=5)


def test_retries_follow_30_minutes_then_2_hours_then_the_policy_is_spent() -> None:
    second = after_attempt(
        attempts_before=0,
        outcome=AttemptOutcome.NO_ANSWER,
        caller_dialled=True,
        finished_at=T0,
        policy=POLICY,
    )
    third = after_attempt(
        attempts_before=1,
        outcome=AttemptOutcome.BUSY,
        caller_dialled=True,
        finished_at=T0,
        policy=POLICY,
    )
    spent = after_attempt(
        attempts_before=2,
        outcome=AttemptOutcome.NO_ANSWER,
        caller_dialled=True,
        finished_at=T0,
        policy=POLICY,
    )
    assert second == Retry(T0 + timedelta(minutes=30))
    assert third == Retry(T0 + timedelta(hours=2))
    assert spent == Close(TaskStatus.EXHAUSTED)


@given(attempts=st.integers(0, 10), dialled=st.booleans())
def test_reaching_the_caller_always_closes_the_task(attempts: int, dialled: bool) -> None:
    decision = after_attempt(
        attempts_before=attempts,
        outcome=AttemptOutcome.REACHED,
        caller_dialled=dialled,
        finished_at=T0,
        policy=POLICY,
    )
    assert decision == Close(TaskStatus.REACHED)


@given(attempts=st.integers(0, 10))
def test_a_seat_that_did_not_pick_up_never_spends_the_callers_budget(attempts: int) -> None:
    decision = after_attempt(
        attempts_before=attempts,
        outcome=AttemptOutcome.FAILED,
        caller_dialled=False,
        finished_at=T0,
        policy=POLICY,
    )
    assert decision == Retry(T0 + POLICY.seat_retry_delay)


@given(
    delays=st.lists(st.integers(0, 10_000), min_size=1, max_size=6),
    outcomes=st.lists(
        st.sampled_from([AttemptOutcome.NO_ANSWER, AttemptOutcome.BUSY, AttemptOutcome.FAILED]),
        min_size=1,
        max_size=12,
    ),
)
def test_failed_attempts_stop_after_exactly_the_configured_number(
    delays: list[int], outcomes: list[AttemptOutcome]
) -> None:
    policy = CallbackPolicy(delays=tuple(timedelta(seconds=s) for s in delays))
    made = 0
    for outcome in outcomes:
        decision = after_attempt(
            attempts_before=made,
            outcome=outcome,
            caller_dialled=True,
            finished_at=T0,
            policy=policy,
        )
        made += 1
        if isinstance(decision, Close):
            assert decision.status is TaskStatus.EXHAUSTED
            assert made == len(delays)
            return
        assert decision.due_at == T0 + policy.delays[made]
    assert made < len(delays)


def test_a_repeat_miss_brings_the_callback_forward_but_never_postpones_it() -> None:
    due = first_due(T0, POLICY)
    assert merged_due(due, T0 + timedelta(minutes=3), POLICY) == due
    late_due = T0 + timedelta(hours=2)
    assert merged_due(late_due, T0, POLICY) == T0 + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("ANSWER", AttemptOutcome.REACHED),
        ("NOANSWER", AttemptOutcome.NO_ANSWER),
        ("BUSY", AttemptOutcome.BUSY),
        ("CHANUNAVAIL", AttemptOutcome.FAILED),
        ("CONGESTION", AttemptOutcome.FAILED),
        ("", AttemptOutcome.FAILED),
    ],
)
def test_dial_status_maps_to_an_outcome(status: str, outcome: AttemptOutcome) -> None:
    assert outcome_of_dial_status(status) is outcome


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (local(21, 59), False),
        (local(22, 0), True),
        (local(23, 30), True),
        (local(3, 0), True),
        (local(7, 59), True),
        (local(8, 0), False),
        (local(12, 0), False),
    ],
)
def test_quiet_hours_are_22_to_8_in_shanghai(moment: datetime, quiet: bool) -> None:
    assert in_quiet_hours(moment, SHANGHAI, POLICY) is quiet


def test_a_late_evening_miss_waits_for_eight_in_the_morning() -> None:
    assert quiet_hours_end(local(23, 10), SHANGHAI, POLICY) == local(8, 0, day=29)
    assert quiet_hours_end(local(2, 10), SHANGHAI, POLICY) == local(8, 0)
    assert quiet_hours_end(local(9, 0), SHANGHAI, POLICY) == local(9, 0)


@given(moment=moments)
def test_quiet_hours_end_is_the_first_allowed_moment(moment: datetime) -> None:
    end = quiet_hours_end(moment, SHANGHAI, POLICY)
    assert end >= moment
    assert not in_quiet_hours(end, SHANGHAI, POLICY)
    assert end - moment <= timedelta(hours=10)
    if end > moment:
        assert end.astimezone(SHANGHAI).time() == time(8, 0)
        assert in_quiet_hours(end - timedelta(minutes=1), SHANGHAI, POLICY)


def test_an_equal_window_means_no_quiet_hours() -> None:
    policy = CallbackPolicy(quiet_start=time(0, 0), quiet_end=time(0, 0))
    assert not in_quiet_hours(local(3, 0), SHANGHAI, policy)


def test_dial_order_puts_high_risk_then_hesitant_then_the_longest_waiting_first() -> None:
    old = Candidate(1, high_risk=False, hesitant=False, first_missed_at=T0)
    hesitant = Candidate(2, high_risk=False, hesitant=True, first_missed_at=T0 + timedelta(1))
    risky = Candidate(3, high_risk=True, hesitant=False, first_missed_at=T0 + timedelta(2))
    newer = Candidate(4, high_risk=False, hesitant=False, first_missed_at=T0 + timedelta(3))
    assert [c.task_id for c in dial_order([newer, old, hesitant, risky])] == [3, 2, 1, 4]


@given(
    st.lists(st.tuples(st.booleans(), st.booleans(), moments), min_size=1, max_size=30, unique=True)
)
def test_dial_order_never_puts_a_lower_class_before_a_higher_one(
    rows: list[tuple[bool, bool, datetime]],
) -> None:
    candidates = [Candidate(i, r, h, at) for i, (r, h, at) in enumerate(rows)]
    ordered = dial_order(candidates)
    assert sorted(c.task_id for c in ordered) == list(range(len(rows)))
    for before, after in itertools.pairwise(ordered):
        rank_before = (not before.high_risk, not before.hesitant)
        rank_after = (not after.high_risk, not after.hesitant)
        assert rank_before <= rank_after
        if rank_before == rank_after:
            assert before.first_missed_at <= after.first_missed_at


def test_a_policy_needs_at_least_one_attempt() -> None:
    with pytest.raises(ValueError, match="at least one"):
        CallbackPolicy(delays=())
