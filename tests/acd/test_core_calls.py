"""A call's life in the core: rings that fail, wrap-up, wellbeing, and every kind of miss."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.commands import SendToOverflow
from acd.events import CallbackOffered, CallMissed, MissReason, SeatReachability, Skill
from acd.policy import CallerPriority, RoutingPolicy
from seats.events import AgentAlert, AlertKind, SeatStateChanged
from tests.acd.core_world import (
    T0,
    agent,
    answer,
    connects,
    ended,
    failed,
    make_core,
    on_duty,
    overflows,
    published,
    ringing,
    routed,
    state_of,
    waiting,
    wake,
)


def test_a_seat_that_does_not_answer_is_skipped_and_the_next_seat_rings() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    core.login(agent("ben"), "8002", T0 + 1)
    assert routed(core.handle(waiting("c1"), T0 + 5)) == {"c1": "8001"}
    commands = core.handle(failed("c1", "8001"), T0 + 20)
    [connect] = connects(commands)
    assert connect.seat == "8002"
    assert "did not answer: 8001" in connect.explanation
    assert state_of(core, "8001") == "available"


def test_a_failed_seat_is_not_offered_the_same_caller_again() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    core.handle(waiting("c1"), T0 + 1)
    assert routed(core.handle(failed("c1", "8001"), T0 + 16)) == {}
    assert "did not answer this caller: 8001" in (core.explain("c1", T0 + 17) or "")
    assert routed(core.handle(waiting("c2"), T0 + 18)) == {"c2": "8001"}


def test_two_unanswered_rings_in_a_row_pause_the_seat_and_alert_the_supervisor() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    core.handle(waiting("c1"), T0 + 1)
    core.handle(waiting("c2"), T0 + 2)
    assert routed(core.handle(failed("c1", "8001", "NOANSWER"), T0 + 16)) == {"c2": "8001"}
    commands = core.handle(failed("c2", "8001", "NOANSWER"), T0 + 31)
    assert state_of(core, "8001") == "paused"
    [alert] = published(commands, AgentAlert)
    assert (alert.alert, alert.seat, alert.agent_id) == (AlertKind.NO_ANSWER_PAUSE, "8001", "ann")
    assert "did not answer 2 calls in a row" in alert.message
    assert routed(core.resume("8001", T0 + 40)) == {}  # both callers skip 8001 now
    assert routed(core.handle(waiting("c3"), T0 + 41)) == {"c3": "8001"}


@pytest.mark.parametrize("status", ["BUSY", "CHANUNAVAIL", "CONGESTION"])
def test_a_busy_or_unreachable_phone_is_never_a_missed_ring(status: str) -> None:
    """Only NOANSWER is the agent not answering: a 486 from a phone on another call is not."""
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    for n, at in ((1, T0 + 1), (2, T0 + 20), (3, T0 + 40)):
        core.handle(waiting(f"c{n}"), at)
        commands = core.handle(failed(f"c{n}", "8001", status), at + 1)
        assert not published(commands, AgentAlert)
    [view] = [v for v in core.seats_view(T0 + 50) if v.seat == "8001"]
    assert view.state == "available"


def test_a_ring_with_no_outcome_counts_as_no_answer_after_timeout_and_grace() -> None:
    core = make_core(RoutingPolicy(ring_timeout=15, ring_grace=5))
    core.login(agent("ann"), "8001", T0)
    core.login(agent("ben"), "8002", T0 + 1)
    core.handle(waiting("c1"), T0 + 2)
    commands = core.handle(ringing("c1", "8001"), T0 + 3)
    assert wake(commands) == T0 + 23
    assert routed(core.tick(T0 + 22.9)) == {}
    assert routed(core.tick(T0 + 23)) == {"c1": "8002"}
    assert core.seats_view(T0)[0].state == "available"


def test_a_late_seat_failure_after_the_guard_fired_changes_nothing() -> None:
    core = make_core(RoutingPolicy(ring_timeout=15, ring_grace=5))
    core.login(agent("ann"), "8001", T0)
    core.login(agent("ben"), "8002", T0 + 1)
    core.handle(waiting("c1"), T0 + 2)
    core.tick(T0 + 22)
    commands = core.handle(failed("c1", "8001"), T0 + 23)
    assert (routed(commands), published(commands, SeatStateChanged)) == ({}, [])
    assert (state_of(core, "8001"), state_of(core, "8002")) == ("available", "ringing")


def test_wrap_up_lasts_a_minute_then_the_seat_takes_the_next_caller() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    core.handle(waiting("c1"), T0 + 1)
    answer(core, "c1", "8001", T0 + 2)
    core.handle(waiting("c2"), T0 + 100)
    commands = core.handle(ended("c1"), T0 + 200)
    assert state_of(core, "8001") == "wrap_up"
    assert wake(commands) == T0 + 220  # c2's max wait comes first
    core2 = make_core(RoutingPolicy(max_wait=600))
    core2.login(agent("ann"), "8001", T0)
    core2.handle(waiting("c1"), T0 + 1)
    answer(core2, "c1", "8001", T0 + 2)
    core2.handle(waiting("c2"), T0 + 100)
    assert wake(core2.handle(ended("c1"), T0 + 200)) == T0 + 260
    assert routed(core2.tick(T0 + 259)) == {}
    assert routed(core2.tick(T0 + 260)) == {"c2": "8001"}


def test_wrap_up_ends_early_when_the_agent_is_done() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    core.handle(waiting("c1"), T0 + 1)
    answer(core, "c1", "8001", T0 + 2)
    core.handle(ended("c1"), T0 + 100)
    core.handle(waiting("c2"), T0 + 101)
    commands = core.wrapup_done("8001", T0 + 110)
    assert routed(commands) == {"c2": "8001"}
    [change] = [e for e in published(commands, SeatStateChanged) if e.new_state == "available"]
    assert (change.reason, change.timestamp - change.old_since) == ("wrapup_done", 10.0)


def test_a_high_risk_call_gets_three_minutes_of_wrap_up() -> None:
    core = make_core(RoutingPolicy(max_wait=1000))
    core.login(agent("ann"), "8001", T0)
    core.handle(waiting("c1"), T0 + 1)
    answer(core, "c1", "8001", T0 + 2)
    core.mark_high_risk("c1")
    core.handle(ended("c1"), T0 + 100)
    assert core.seats_view(T0)[0].wrapup_until == T0 + 280


def test_high_risk_flagged_during_wrap_up_still_lengthens_it() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    core.handle(waiting("c1"), T0 + 1)
    answer(core, "c1", "8001", T0 + 2)
    core.handle(ended("c1"), T0 + 100)
    core.mark_high_risk("c1")
    core.tick(T0 + 160)
    assert state_of(core, "8001") == "wrap_up"
    core.tick(T0 + 280)
    assert state_of(core, "8001") == "available"


def test_three_high_risk_calls_in_a_row_bring_a_debrief_pause_and_an_alert() -> None:
    core = make_core(RoutingPolicy(max_wait=10_000))
    core.login(agent("ann"), "8001", T0)
    now = T0
    for n in range(3):
        core.handle(waiting(f"c{n}"), now)
        answer(core, f"c{n}", "8001", now + 1)
        core.mark_high_risk(f"c{n}")
        core.handle(ended(f"c{n}"), now + 60)
        now += 60
        last = core.wrapup_done("8001", now + 10)
        now += 20
    assert state_of(core, "8001") == "paused"
    assert core.seats_view(now)[0].pause_reason == "debrief"
    [alert] = published(last, AgentAlert)
    assert alert.alert is AlertKind.DEBRIEF_DUE
    assert routed(core.handle(waiting("next"), now)) == {}


def test_a_caller_waiting_past_max_wait_overflows_to_a_callback() -> None:
    core = make_core(RoutingPolicy(max_wait=120))
    on_duty(core)
    commands = core.handle(waiting("c1"), T0)
    assert wake(commands) == T0 + 120
    assert overflows(core.tick(T0 + 119)) == []
    commands = core.tick(T0 + 120)
    assert overflows(commands) == [SendToOverflow("c1", "PJSIP/trunk-c1", MissReason.OVERFLOW)]
    [missed] = published(commands, CallMissed)
    assert (missed.reason, missed.waited_seconds) == (MissReason.OVERFLOW, 120)
    assert core.queue_view(T0 + 121) == []


def test_a_caller_ringing_at_max_wait_overflows_when_the_ring_fails() -> None:
    core = make_core(RoutingPolicy(max_wait=120, ring_timeout=200))
    core.login(agent("ann"), "8001", T0)
    core.login(agent("ben"), "8002", T0)
    core.handle(waiting("c1"), T0)
    core.handle(ringing("c1", "8001"), T0 + 1)
    assert overflows(core.tick(T0 + 121)) == []
    commands = core.handle(failed("c1", "8001"), T0 + 125)
    assert [o.call_id for o in overflows(commands)] == ["c1"]
    assert routed(commands) == {}


def test_a_full_queue_sends_new_callers_to_overflow() -> None:
    core = make_core(RoutingPolicy(max_queue=2))
    on_duty(core)
    core.handle(waiting("c1"), T0)
    core.handle(waiting("c2"), T0 + 1)
    commands = core.handle(waiting("c3"), T0 + 2)
    assert [(o.call_id, o.reason) for o in overflows(commands)] == [("c3", MissReason.OVERFLOW)]
    assert [v.call_id for v in core.queue_view(T0 + 3)] == ["c1", "c2"]


def test_out_of_hours_callers_hear_the_closed_message() -> None:
    core = make_core(RoutingPolicy(is_open=lambda now: False))
    core.login(agent("ann"), "8001", T0)
    commands = core.handle(waiting("c1"), T0)
    assert [o.reason for o in overflows(commands)] == [MissReason.CLOSED]
    assert [m.reason for m in published(commands, CallMissed)] == [MissReason.CLOSED]


def test_nobody_logged_in_means_all_busy_at_once() -> None:
    core = make_core()
    commands = core.handle(waiting("c1"), T0)
    assert [o.reason for o in overflows(commands)] == [MissReason.ALL_BUSY]
    [missed] = published(commands, CallMissed)
    assert (missed.call_id, missed.waited_seconds) == ("c1", 0.0)


def test_callers_stay_queued_when_every_agent_logs_out_after_they_arrived() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    core.pause("8001", "break", T0)
    core.handle(waiting("c1"), T0 + 1)
    core.logout("8001", T0 + 2)
    assert [v.call_id for v in core.queue_view(T0 + 3)] == ["c1"]
    assert routed(core.login(agent("ben"), "8002", T0 + 4)) == {"c1": "8002"}


@given(waited=st.integers(0, 119_000).map(lambda ms: ms / 1000))
def test_a_caller_hanging_up_while_waiting_is_a_missed_call(waited: float) -> None:
    core = make_core(RoutingPolicy(short_hangup_seconds=10))
    on_duty(core)
    core.handle(waiting("c1"), T0)
    commands = core.handle(ended("c1"), T0 + waited)
    [missed] = published(commands, CallMissed)
    expected = MissReason.SHORT_HANGUP if waited < 10 else MissReason.ABANDONED
    assert missed.reason is expected
    assert missed.waited_seconds == pytest.approx(waited, abs=1e-6)
    assert overflows(commands) == []
    assert core.queue_view(T0 + waited) == []


def test_a_caller_hanging_up_while_the_seat_rings_frees_the_seat_without_blame() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    core.handle(waiting("c1"), T0 + 1)
    core.handle(waiting("c2"), T0 + 2)
    commands = core.handle(ended("c1"), T0 + 30)
    assert [m.reason for m in published(commands, CallMissed)] == [MissReason.ABANDONED]
    assert routed(commands) == {"c2": "8001"}
    assert core.seats_view(T0)[0].state == "ringing"


def test_one_missed_call_per_caller_even_when_the_dialplan_reports_the_offer() -> None:
    core = make_core()
    on_duty(core)
    core.handle(waiting("c1"), T0)
    first = core.tick(T0 + 120)
    later = core.handle(CallbackOffered(call_id="c1", reason="overflow"), T0 + 125)
    later += core.handle(ended("c1"), T0 + 130)
    assert len(published(first, CallMissed)) == 1
    assert published(later, CallMissed) == []


def test_an_unreachable_seat_is_never_rung_and_comes_back_when_registered() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    core.handle(SeatReachability(seat="8001", reachable=False), T0 + 1)
    assert state_of(core, "8001") == "unreachable"
    assert routed(core.handle(waiting("c1"), T0 + 2)) == {}
    assert "1 seat unreachable" in (core.explain("c1", T0 + 3) or "")
    commands = core.handle(SeatReachability(seat="8001", reachable=True), T0 + 4)
    assert routed(commands) == {"c1": "8001"}


def test_reachability_of_an_unknown_seat_is_ignored() -> None:
    core = make_core()
    assert core.handle(SeatReachability(seat="9999", reachable=False), T0) == []


def test_stale_events_for_unknown_calls_change_nothing() -> None:
    core = make_core()
    core.login(agent("ann", Skill.LEGAL), "8001", T0)
    views = core.seats_view(T0)
    for event in (ringing("x", "8001"), failed("x", "8001"), ended("x")):
        assert core.handle(event, T0 + 1) == []
    assert core.seats_view(T0) == views


def test_a_late_re_announcement_after_overflow_does_not_pull_the_caller_back() -> None:
    core = make_core(RoutingPolicy(max_wait=120))
    on_duty(core)
    core.handle(waiting("c1"), T0)
    assert overflows(core.tick(T0 + 120))
    core.login(agent("ann"), "8001", T0 + 121)
    late = core.handle(replace(waiting("c1"), requeued=True), T0 + 122)
    assert (routed(late), core.queue_view(T0 + 122)) == ({}, [])


def test_a_crisis_caller_back_from_a_failed_ring_still_widens_on_time() -> None:
    core = make_core(RoutingPolicy(crisis_widen_after=20))
    core.set_caller_priority("+8613900000003", CallerPriority.CRISIS)
    core.login(agent("cri", Skill.CRISIS), "8001", T0)
    core.login(agent("gen"), "8002", T0)
    core.handle(waiting("c1", number="+8613900000003"), T0)  # rings at 8001
    core.tick(T0 + 1)
    commands = core.handle(failed("c1", "8001"), T0 + 5)
    assert (routed(commands), wake(commands)) == ({}, T0 + 20)
    assert routed(core.tick(T0 + 20)) == {"c1": "8002"}


def test_max_wait_still_applies_after_a_ring_in_between() -> None:
    core = make_core(RoutingPolicy(max_wait=20, ring_timeout=100, ring_grace=0))
    core.login(agent("ann"), "8001", T0)
    core.handle(waiting("c1"), T0)  # rings at 8001
    core.tick(T0 + 10)  # the ringing caller's deadlines are looked at here
    commands = core.handle(failed("c1", "8001"), T0 + 15)
    assert wake(commands) == T0 + 20
    assert [o.call_id for o in overflows(core.tick(T0 + 20))] == ["c1"]
