"""The seat state machine: allowed moves, refusals naming the alternatives, an event per change."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.events import Skill
from seats.agents import Agent, serves
from seats.state import (
    Answer,
    CallFinished,
    HighRiskNoted,
    Login,
    Logout,
    Offer,
    Pause,
    PauseReason,
    Reachability,
    Resume,
    RingCancelled,
    RingFailed,
    Seat,
    SeatError,
    SeatState,
    Trigger,
    WrapupEnded,
    transition,
)

ANN = Agent("ann", "Ann", frozenset({Skill.PSYCHOLOGICAL}))
BEN = Agent("ben", "Ben", frozenset())


def run(seat: Seat, *steps: tuple[Trigger, float]) -> Seat:
    for trigger, now in steps:
        seat, _ = transition(seat, trigger, now)
    return seat


def logged_in(now: float = 0.0) -> Seat:
    return run(Seat("8001"), (Login(ANN), now))


def on_call(call_id: str = "c1") -> Seat:
    return run(logged_in(), (Offer(call_id), 1.0), (Answer(call_id), 2.0))


def test_login_makes_the_seat_available_and_says_so() -> None:
    seat, events = transition(Seat("8001"), Login(ANN), 10.0)
    assert (seat.state, seat.agent, seat.since) == (SeatState.AVAILABLE, ANN, 10.0)
    [event] = events
    assert (event.old_state, event.new_state, event.reason) == ("offline", "available", "login")
    assert (event.seat, event.agent_id, event.timestamp) == ("8001", "ann", 10.0)


def test_a_seat_in_use_refuses_a_second_login_and_names_what_it_allows() -> None:
    with pytest.raises(SeatError) as refused:
        transition(logged_in(), Login(BEN), 5.0)
    assert refused.value.status == 409
    assert "already used by ann" in refused.value.reason
    assert "allowed: ring, pause, logout" in refused.value.reason


def test_a_full_call_cycle_records_every_state_with_its_duration() -> None:
    seat = logged_in(0.0)
    history = []
    steps: list[tuple[Trigger, float]] = [
        (Offer("c1"), 30.0),
        (Answer("c1"), 34.0),
        (CallFinished(400.0, high_risk=False, debrief_after=3), 340.0),
        (WrapupEnded("wrapup_timeout"), 400.0),
    ]
    for trigger, now in steps:
        seat, events = transition(seat, trigger, now)
        history += events
    assert [(e.old_state, e.new_state) for e in history] == [
        ("available", "ringing"),
        ("ringing", "on_call"),
        ("on_call", "wrap_up"),
        ("wrap_up", "available"),
    ]
    assert [e.timestamp - e.old_since for e in history] == [30.0, 4.0, 306.0, 60.0]
    assert all(e.call_id == "c1" for e in history)
    assert seat.call_id is None


def test_no_answers_in_a_row_pause_the_seat_but_an_answer_resets_the_count() -> None:
    seat = run(logged_in(), (Offer("c1"), 1.0), (RingFailed(pause_after=2), 16.0))
    assert (seat.state, seat.no_answers) == (SeatState.AVAILABLE, 1)
    seat = run(seat, (Offer("c2"), 20.0), (Answer("c2"), 22.0))
    assert seat.no_answers == 0
    seat = run(
        seat,
        (CallFinished(22.0, False, 3), 22.0),
        (Offer("c3"), 30.0),
        (RingFailed(2), 45.0),
        (Offer("c4"), 50.0),
    )
    seat, events = transition(seat, RingFailed(2), 65.0)
    assert (seat.state, seat.pause_reason) == (SeatState.PAUSED, PauseReason.NO_ANSWER)
    assert events[0].reason == "no_answer_pause"


def test_a_caller_hanging_up_during_the_ring_is_not_the_agents_fault() -> None:
    seat = run(logged_in(), (Offer("c1"), 1.0), (RingCancelled(), 3.0))
    assert (seat.state, seat.no_answers) == (SeatState.AVAILABLE, 0)


def test_pause_during_a_call_waits_until_the_work_is_done() -> None:
    seat, events = transition(on_call(), Pause("meal"), 5.0)
    assert (seat.state, seat.pending_pause, events) == (SeatState.ON_CALL, "meal", [])
    seat = run(seat, (CallFinished(70.0, False, 3), 10.0), (WrapupEnded(), 20.0))
    assert (seat.state, seat.pause_reason) == (SeatState.PAUSED, "meal")


def test_pausing_in_wrap_up_ends_the_wrap_up_and_lets_go_of_the_call() -> None:
    seat = run(on_call(), (CallFinished(70.0, False, 3), 10.0), (Pause("break"), 20.0))
    assert (seat.state, seat.call_id, seat.wrapup_until) == (SeatState.PAUSED, None, None)


def test_resume_cancels_a_pending_pause() -> None:
    seat = run(on_call(), (Pause("meal"), 5.0), (Resume(), 6.0))
    seat = run(seat, (CallFinished(10.0, False, 3), 10.0))
    assert seat.state is SeatState.AVAILABLE


def test_a_ringing_seat_cannot_pause_or_log_out() -> None:
    ringing = run(logged_in(), (Offer("c1"), 1.0))
    for trigger in (Pause("break"), Logout()):
        with pytest.raises(SeatError, match="allowed: answer, ring failed, ring cancelled"):
            transition(ringing, trigger, 2.0)


def test_high_risk_calls_in_a_row_bring_a_debrief_before_the_next_call() -> None:
    seat = logged_in()
    for n in range(3):
        seat = run(
            seat,
            (Offer(f"c{n}"), 10.0 * n),
            (Answer(f"c{n}"), 10.0 * n + 1),
            (CallFinished(10.0 * n + 2, high_risk=True, debrief_after=3), 10.0 * n + 2),
        )
    assert (seat.state, seat.pause_reason) == (SeatState.PAUSED, PauseReason.DEBRIEF)
    assert seat.high_risk_streak == 0


def test_an_ordinary_call_breaks_the_high_risk_streak() -> None:
    seat = logged_in()
    for n, risky in enumerate([True, True, False, True, True]):
        seat = run(
            seat,
            (Offer(f"c{n}"), 10.0 * n),
            (Answer(f"c{n}"), 10.0 * n + 1),
            (CallFinished(10.0 * n + 2, risky, 3), 10.0 * n + 2),
        )
    assert (seat.state, seat.high_risk_streak) == (SeatState.AVAILABLE, 2)


def test_high_risk_noted_after_the_call_lengthens_wrap_up_once() -> None:
    seat = run(on_call(), (CallFinished(70.0, False, 3), 10.0))
    seat = run(seat, (HighRiskNoted(190.0, 3), 10.0))
    assert (seat.wrapup_until, seat.high_risk_streak) == (190.0, 1)
    with pytest.raises(SeatError):
        transition(seat, HighRiskNoted(190.0, 3), 11.0)


def test_unreachable_idle_seat_returns_to_its_prior_state() -> None:
    seat, events = transition(logged_in(), Reachability(False), 5.0)
    assert (seat.state, seat.prior) == (SeatState.UNREACHABLE, SeatState.AVAILABLE)
    assert events[0].new_state == "unreachable"
    seat = run(seat, (Pause("break"), 6.0))  # applies to the state it returns to
    seat, events = transition(seat, Reachability(True), 9.0)
    assert (seat.state, seat.pause_reason) == (SeatState.PAUSED, "break")
    assert (events[0].old_state, events[0].new_state) == ("unreachable", "paused")


def test_an_unreachable_seat_is_never_rung() -> None:
    seat = run(logged_in(), (Reachability(False), 5.0))
    with pytest.raises(SeatError, match="not registered"):
        transition(seat, Offer("c1"), 6.0)


def test_a_seat_losing_registration_on_a_call_becomes_unreachable_when_work_ends() -> None:
    seat, events = transition(on_call(), Reachability(False), 5.0)
    assert (seat.state, events) == (SeatState.ON_CALL, [])
    seat = run(seat, (CallFinished(70.0, False, 3), 10.0))
    seat, events = transition(seat, WrapupEnded(), 30.0)
    assert (seat.state, seat.prior) == (SeatState.UNREACHABLE, SeatState.AVAILABLE)
    assert events[0].reason == "wrapup_done; unreachable"


def test_logout_clears_the_agent_and_counters() -> None:
    seat = run(logged_in(), (Offer("c1"), 1.0), (RingFailed(2), 16.0))
    seat, events = transition(seat, Logout("forced_logout", forced_by="sup"), 20.0)
    assert seat == Seat("8001", since=20.0)
    assert (events[0].agent_id, events[0].forced_by) == ("ann", "sup")


def test_general_calls_go_to_anyone_other_skills_need_the_skill() -> None:
    assert serves(BEN, Skill.GENERAL)
    assert not serves(BEN, Skill.PSYCHOLOGICAL)
    assert serves(ANN, Skill.PSYCHOLOGICAL)
    assert not serves(ANN, Skill.CRISIS)


TRIGGERS = st.one_of(
    st.builds(Login, st.sampled_from([ANN, BEN])),
    st.builds(Logout),
    st.builds(Pause, st.sampled_from(["break", "meal"])),
    st.just(Resume()),
    st.builds(Offer, st.sampled_from(["c1", "c2"])),
    st.builds(Answer, st.sampled_from(["c1", "c2"])),
    st.builds(RingFailed, st.integers(1, 3)),
    st.just(RingCancelled()),
    st.builds(CallFinished, st.floats(0, 400), st.booleans(), st.integers(1, 3)),
    st.builds(HighRiskNoted, st.floats(0, 400), st.integers(1, 3)),
    st.builds(WrapupEnded),
    st.builds(Reachability, st.booleans()),
)


@given(st.lists(TRIGGERS, max_size=40))
def test_any_sequence_keeps_the_seat_consistent_and_every_change_is_an_event(
    triggers: list[Trigger],
) -> None:
    seat, now = Seat("8001"), 0.0
    for trigger in triggers:
        now += 1.0
        try:
            new, events = transition(seat, trigger, now)
        except SeatError as refused:
            assert refused.status == 409 and "allowed:" in refused.reason
            continue
        changed = (new.state, new.agent, new.pause_reason) != (
            seat.state,
            seat.agent,
            seat.pause_reason,
        )
        if changed:
            [event] = events
            assert (event.old_state, event.new_state) == (seat.state, new.state)
            assert event.old_since == seat.since
        seat = new
        assert (seat.agent is None) == (
            seat.state is SeatState.OFFLINE
            or (seat.state is SeatState.UNREACHABLE and seat.prior is SeatState.OFFLINE)
        )
        busy = seat.state in (SeatState.RINGING, SeatState.ON_CALL, SeatState.WRAP_UP)
        assert (seat.call_id is not None) == busy
        assert (seat.pause_reason is not None) == (
            seat.state is SeatState.PAUSED
            or (seat.state is SeatState.UNREACHABLE and seat.prior is SeatState.PAUSED)
        )
        assert seat.reachable or seat.state is not SeatState.AVAILABLE
