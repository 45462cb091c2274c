"""Agent and supervisor commands on the core: login, pause, surge, and their refusals."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from acd.events import Skill
from seats.events import SeatStateChanged, SurgeChanged
from seats.state import SeatError
from tests.acd.core_world import (
    SEATS,
    T0,
    agent,
    answer,
    ended,
    make_core,
    overflows,
    published,
    routed,
    state_of,
    waiting,
)


def test_only_the_first_eight_seats_are_open_without_surge() -> None:
    core = make_core()
    views = {view.seat: view for view in core.seats_view(T0)}
    assert [seat for seat in SEATS if views[seat].open] == SEATS[:8]
    with pytest.raises(SeatError) as refused:
        core.login(agent("ann"), "8009", T0)
    assert (refused.value.status, refused.value.reason) == (
        409,
        "seat 8009 is closed: surge capacity is off",
    )


def test_surge_opens_all_twenty_seats_and_names_the_campaign() -> None:
    core = make_core()
    commands = core.set_surge(True, "flood", T0)
    [event] = published(commands, SurgeChanged)
    assert (event.on, event.reason, event.open_seats) == (True, "flood", 20)
    assert (core.surge.on, core.surge.reason, core.surge.since) == (True, "flood", T0)
    core.login(agent("ann"), "8020", T0 + 1)
    assert all(view.open for view in core.seats_view(T0))


def test_surge_needs_a_reason() -> None:
    core = make_core()
    with pytest.raises(SeatError) as refused:
        core.set_surge(True, "  ", T0)
    assert refused.value.status == 422
    assert not core.surge.on


def test_ending_surge_closes_idle_extra_seats_at_once_and_busy_ones_after_wrap_up() -> None:
    core = make_core()
    core.set_surge(True, "flood", T0)
    core.login(agent("busy"), "8015", T0)
    core.login(agent("idle"), "8016", T0 + 1)
    core.login(agent("paused"), "8017", T0 + 2)
    core.pause("8017", "break", T0 + 2)
    core.login(agent("normal"), "8001", T0 + 3)
    core.pause("8001", "break", T0 + 3)
    assert routed(core.handle(waiting("c2"), T0 + 7)) == {"c2": "8015"}
    answer(core, "c2", "8015", T0 + 8)
    commands = core.set_surge(False, "", T0 + 10)
    closed = {e.seat for e in published(commands, SeatStateChanged) if e.new_state == "offline"}
    assert closed == {"8016", "8017"}
    assert {e.reason for e in published(commands, SeatStateChanged)} == {"surge_off"}
    assert state_of(core, "8015") == "on_call"
    assert state_of(core, "8001") == "paused"
    core.handle(waiting("c3"), T0 + 11)
    core.handle(ended("c2"), T0 + 20)
    commands = core.wrapup_done("8015", T0 + 30)
    assert routed(commands) == {}  # the closing seat takes no new caller
    assert state_of(core, "8015") == "offline"
    assert core.seat_of_agent("idle") is None


def test_turning_surge_back_on_keeps_a_closing_seat() -> None:
    core = make_core()
    core.set_surge(True, "flood", T0)
    core.login(agent("ann"), "8015", T0)
    core.handle(waiting("c1"), T0 + 1)
    answer(core, "c1", "8015", T0 + 2)
    core.set_surge(False, "", T0 + 3)
    core.set_surge(True, "storm", T0 + 4)
    core.handle(ended("c1"), T0 + 5)
    core.wrapup_done("8015", T0 + 6)
    assert state_of(core, "8015") == "available"
    assert core.surge.reason == "storm"


def test_an_agent_can_be_logged_in_at_one_seat_only() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    with pytest.raises(SeatError, match="already logged in at seat 8001"):
        core.login(agent("ann"), "8002", T0)
    assert core.seat_of_agent("ann") == "8001"
    assert core.seat_of_agent("nobody") is None


def test_unknown_seats_are_404() -> None:
    core = make_core()
    commands: list[Callable[[], object]] = [
        lambda: core.login(agent("ann"), "7000", T0),
        lambda: core.logout("7000", T0),
        lambda: core.pause("7000", "break", T0),
        lambda: core.resume("7000", T0),
        lambda: core.wrapup_done("7000", T0),
    ]
    for command in commands:
        with pytest.raises(SeatError) as refused:
            command()
        assert refused.value.status == 404


def test_a_pause_needs_a_reason() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    with pytest.raises(SeatError) as refused:
        core.pause("8001", " ", T0)
    assert refused.value.status == 422
    assert state_of(core, "8001") == "available"


def test_a_refused_command_changes_nothing_and_loses_no_due_overflow() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    core.handle(waiting("c1"), T0 + 1)
    answer(core, "c1", "8001", T0 + 2)
    core.handle(waiting("c2"), T0 + 3)
    views = core.seats_view(T0)
    with pytest.raises(SeatError, match="on_call: cannot logout"):
        core.logout("8001", T0 + 500)
    assert core.seats_view(T0) == views
    assert [v.call_id for v in core.queue_view(T0 + 500)] == ["c2"]
    assert [o.call_id for o in overflows(core.tick(T0 + 500))] == ["c2"]


def test_supervisor_forced_logout_and_pause_are_recorded_with_who_did_it() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    [paused] = published(
        core.pause("8001", "supervision", T0 + 1, forced_by="sup"), SeatStateChanged
    )
    assert (paused.new_state, paused.pause_reason, paused.forced_by) == (
        "paused",
        "supervision",
        "sup",
    )
    [out] = published(core.logout("8001", T0 + 2, forced_by="sup"), SeatStateChanged)
    assert (out.new_state, out.reason, out.forced_by) == ("offline", "forced_logout", "sup")


def test_a_pause_during_a_call_takes_effect_after_wrap_up() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    core.handle(waiting("c1"), T0 + 1)
    answer(core, "c1", "8001", T0 + 2)
    assert published(core.pause("8001", "meal", T0 + 3), SeatStateChanged) == []
    assert core.seats_view(T0)[0].pending_pause == "meal"
    core.handle(ended("c1"), T0 + 10)
    core.wrapup_done("8001", T0 + 20)
    assert (state_of(core, "8001"), core.seats_view(T0)[0].pause_reason) == ("paused", "meal")


def test_resume_routes_a_waiting_caller_immediately() -> None:
    core = make_core()
    core.login(agent("ann", Skill.LEGAL), "8001", T0)
    core.pause("8001", "break", T0)
    core.handle(waiting("c1", Skill.LEGAL), T0 + 1)
    assert routed(core.resume("8001", T0 + 2)) == {"c1": "8001"}


def test_the_callback_seat_can_be_logged_in_but_is_listed_as_such() -> None:
    core = make_core()
    core.login(agent("cb"), "8099", T0)
    [view] = [view for view in core.seats_view(T0) if view.callback]
    assert (view.seat, view.agent, view.state, view.open) == ("8099", "cb", "available", True)


def test_seats_view_shows_agent_skills_and_call() -> None:
    core = make_core()
    core.login(agent("ann", Skill.LEGAL, Skill.CRISIS), "8002", T0)
    core.handle(waiting("c1"), T0 + 1)
    view = core.seats_view(T0)[1]
    assert (view.seat, view.agent, view.agent_name, view.skills) == (
        "8002",
        "ann",
        "Agent ann",
        ("crisis", "legal"),
    )
    assert (view.state, view.call_id, view.since) == ("ringing", "c1", T0 + 1)
