"""The escalation state machine: its order, its refusals, its deadlines (fake time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crisis import escalation as m
from crisis.escalation import FollowUpOverdue, Policy, Renotify, Stage, TransitionRefused

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
POLICY = Policy(ack_deadline=timedelta(minutes=5), follow_up_grace=timedelta(hours=1))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def reached_case() -> m.EscalationState:
    state = m.mark_notified(m.raise_escalation(T0, POLICY), at(0.5))
    return m.record_reached(m.acknowledge(state, at(2)), at(30))


def test_the_full_path_stamps_every_step() -> None:
    state = reached_case()
    state = m.record_follow_up(state, Stage.FOLLOW_UP_24H, at(24 * 60))
    state = m.record_follow_up(state, Stage.FOLLOW_UP_72H, at(72 * 60))
    state = m.close(state, at(72 * 60 + 5), override_reason=None)
    assert state.stage is Stage.CLOSED
    assert (state.notified_at, state.acknowledged_at, state.reached_at) == (at(0.5), at(2), at(30))
    assert state.follow_up_72h_at == at(72 * 60) and state.closed_at == at(72 * 60 + 5)


def test_the_person_must_be_reached_after_an_acknowledgement() -> None:
    with pytest.raises(TransitionRefused, match="acknowledged"):
        m.record_reached(m.raise_escalation(T0, POLICY), at(1))


def test_follow_ups_come_in_order() -> None:
    with pytest.raises(TransitionRefused, match="follow_up_24h"):
        m.record_follow_up(reached_case(), Stage.FOLLOW_UP_72H, at(100))


def test_closing_without_the_checkpoints_needs_an_override_reason() -> None:
    state = m.acknowledge(m.raise_escalation(T0, POLICY), at(1))
    with pytest.raises(TransitionRefused, match="reached, follow_up_24h, follow_up_72h"):
        m.close(state, at(2), override_reason=None)
    with pytest.raises(TransitionRefused):
        m.close(state, at(2), override_reason="   ")
    closed = m.close(state, at(2), override_reason="duplicate of case 17")
    assert closed.stage is Stage.CLOSED
    with pytest.raises(TransitionRefused, match="already closed"):
        m.close(closed, at(3), override_reason="again")


def test_a_second_acknowledgement_is_refused() -> None:
    state = m.acknowledge(m.raise_escalation(T0, POLICY), at(1))
    with pytest.raises(TransitionRefused, match="already acknowledged"):
        m.acknowledge(state, at(2))


def test_only_the_first_delivery_marks_notified() -> None:
    state = m.mark_notified(m.raise_escalation(T0, POLICY), at(1))
    assert m.mark_notified(state, at(3)).notified_at == at(1)


def test_no_acknowledgement_renotifies_every_deadline_until_one_arrives() -> None:
    state = m.mark_notified(m.raise_escalation(T0, POLICY), at(0.2))
    state, actions = m.due(state, at(4.9), POLICY)
    assert actions == []
    state, actions = m.due(state, at(5), POLICY)
    assert actions == [Renotify(1, at(5))]
    state, actions = m.due(state, at(7), POLICY)
    assert actions == []
    state, actions = m.due(state, at(10), POLICY)
    assert actions == [Renotify(2, at(10))]
    assert m.next_deadline(state, POLICY) == at(15)
    state = m.acknowledge(state, at(11))
    assert m.due(state, at(60), POLICY)[1] == []


def test_a_configured_deadline_is_honoured() -> None:
    quick = Policy(ack_deadline=timedelta(seconds=90))
    state = m.raise_escalation(T0, quick)
    assert m.due(state, at(1.4), quick)[1] == []
    assert m.due(state, at(1.5), quick)[1] == [Renotify(1, at(1.5))]


def test_overdue_follow_ups_alert_once_each() -> None:
    state = reached_case()
    due_24 = T0 + timedelta(hours=25)
    state, actions = m.due(state, due_24 - timedelta(seconds=1), POLICY)
    assert actions == []
    state, actions = m.due(state, due_24, POLICY)
    assert actions == [FollowUpOverdue(Stage.FOLLOW_UP_24H, due_24)]
    state, actions = m.due(state, due_24 + timedelta(hours=1), POLICY)
    assert actions == []
    state = m.record_follow_up(state, Stage.FOLLOW_UP_24H, due_24 + timedelta(hours=2))
    due_72 = T0 + timedelta(hours=73)
    assert m.next_deadline(state, POLICY) == due_72
    state, actions = m.due(state, due_72, POLICY)
    assert actions == [FollowUpOverdue(Stage.FOLLOW_UP_72H, due_72)]
    assert m.next_deadline(state, POLICY) is None


COMMANDS = st.sampled_from(["notify", "ack", "reached", "fu24", "fu72", "close", "override"])


@given(st.lists(COMMANDS, max_size=12))
def test_no_sequence_closes_without_checkpoints_or_an_override(commands: list[str]) -> None:
    state = m.raise_escalation(T0, POLICY)
    overridden = False
    for minute, command in enumerate(commands, start=1):
        now = at(minute)
        try:
            match command:
                case "notify":
                    state = m.mark_notified(state, now)
                case "ack":
                    state = m.acknowledge(state, now)
                case "reached":
                    state = m.record_reached(state, now)
                case "fu24":
                    state = m.record_follow_up(state, Stage.FOLLOW_UP_24H, now)
                case "fu72":
                    state = m.record_follow_up(state, Stage.FOLLOW_UP_72H, now)
                case "close":
                    state = m.close(state, now, override_reason=None)
                case "override":
                    before = state.stage
                    state = m.close(state, now, override_reason="supervisor decided")
                    overridden = before is not Stage.FOLLOW_UP_72H
        except TransitionRefused:
            pass
    if state.stage is Stage.CLOSED and not overridden:
        assert state.reached_at and state.follow_up_24h_at and state.follow_up_72h_at
        assert state.reached_at <= state.follow_up_24h_at <= state.follow_up_72h_at
