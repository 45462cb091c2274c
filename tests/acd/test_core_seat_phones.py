"""A seat rings again only when its phone is free: its own leg gone, and not in use.

What the real Asterisk showed (tests/pbx): the caller's Hangup often comes before
the seat leg's; an agent stays in a conference after the caller left; a phone on a
consult call is BUSY; a frozen phone stops answering qualify while it rings.
"""

from __future__ import annotations

from acd.commands import ConnectToSeat, TakeBack
from acd.core import AcdCore
from acd.events import SeatLegEnded, SeatPhoneBusy, SeatReachability, SeatRinging
from acd.policy import RoutingPolicy
from acd.seat_phones import LEG_GRACE
from seats.events import AgentAlert
from tests.acd.core_world import (
    T0,
    agent,
    connected,
    connects,
    ended,
    make_core,
    published,
    routed,
    state_of,
    waiting,
)

LEG = "PJSIP/8001-00000001"


def _on_call(core: AcdCore, call_id: str = "c1", at: float = T0 + 1) -> None:
    core.handle(waiting(call_id), at)
    core.handle(SeatRinging(call_id=call_id, seat="8001", channel=LEG), at)
    core.handle(connected(call_id, "8001"), at + 1)


def test_the_next_caller_waits_until_the_seat_leg_of_the_last_one_is_gone() -> None:
    core = make_core(RoutingPolicy(wrapup_seconds=0))
    core.login(agent("ann"), "8001", T0)
    _on_call(core)
    core.handle(waiting("c2"), T0 + 3)
    assert routed(core.handle(ended("c1"), T0 + 10)) == {}  # the caller's Hangup came first
    assert state_of(core, "8001") == "on_call"
    after = core.handle(SeatLegEnded(call_id="c1", seat="8001", channel=LEG), T0 + 10.004)
    assert routed(after) == {"c2": "8001"}


def test_a_lost_leg_hangup_frees_the_seat_after_a_bounded_wait() -> None:
    core = make_core(RoutingPolicy(wrapup_seconds=0))
    core.login(agent("ann"), "8001", T0)
    _on_call(core)
    core.handle(waiting("c2"), T0 + 3)
    core.handle(ended("c1"), T0 + 10)
    assert routed(core.tick(T0 + 10 + LEG_GRACE - 0.1)) == {}
    assert routed(core.tick(T0 + 10 + LEG_GRACE)) == {"c2": "8001"}


def test_an_agent_left_in_a_conference_is_not_offered_a_caller() -> None:
    """The caller left the police conference; the agent is still on with the police."""
    core = make_core(RoutingPolicy(wrapup_seconds=0, max_wait=600))
    core.login(agent("ann"), "8001", T0)
    _on_call(core)
    core.handle(SeatPhoneBusy(seat="8001", busy=True), T0 + 2)
    core.handle(waiting("c2"), T0 + 3)
    core.handle(ended("c1"), T0 + 10)
    for later in (5.0, 30.0, 120.0):
        assert routed(core.tick(T0 + 10 + later)) == {}
        assert state_of(core, "8001") == "on_call"
    # the agent hangs up: the device is free and the leg gone (in either order)
    after = core.handle(SeatPhoneBusy(seat="8001", busy=False), T0 + 200)
    after += core.handle(SeatLegEnded(call_id="c1", seat="8001", channel=LEG), T0 + 200)
    assert routed(after) == {"c2": "8001"}


def test_the_agent_hanging_up_first_ends_the_seats_part_of_the_call() -> None:
    core = make_core(RoutingPolicy(wrapup_seconds=30))
    core.login(agent("ann"), "8001", T0)
    _on_call(core)
    core.handle(SeatLegEnded(call_id="c1", seat="8001", channel=LEG), T0 + 10)
    assert state_of(core, "8001") == "wrap_up"


def test_a_phone_in_use_is_never_rung() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    core.handle(SeatPhoneBusy(seat="8001", busy=True), T0 + 1)
    assert routed(core.handle(waiting("c1"), T0 + 2)) == {}
    assert routed(core.handle(SeatPhoneBusy(seat="8001", busy=False), T0 + 9)) == {"c1": "8001"}


def test_a_ringing_phone_that_stops_answering_qualify_gives_the_caller_back() -> None:
    core = make_core()
    core.login(agent("ann"), "8001", T0)
    core.login(agent("ben"), "8002", T0 + 1)
    assert routed(core.handle(waiting("c1"), T0 + 2)) == {"c1": "8001"}
    core.handle(SeatRinging(call_id="c1", seat="8001", channel=LEG), T0 + 2)
    commands = core.handle(SeatReachability(seat="8001", reachable=False), T0 + 5)
    assert routed(commands) == {"c1": "8002"}  # that Redirect also ends the ring at 8001
    assert not published(commands, AgentAlert)
    assert state_of(core, "8001") == "unreachable"


def test_a_ring_that_outlives_its_timeout_is_taken_back_to_the_queue() -> None:
    """A late answer can then reach nobody: the caller is back in music on hold."""
    core = make_core(RoutingPolicy(ring_timeout=15, ring_grace=5))
    core.login(agent("ann"), "8001", T0)
    core.handle(waiting("c1"), T0 + 2)
    core.handle(SeatRinging(call_id="c1", seat="8001", channel=LEG), T0 + 2)
    commands = core.tick(T0 + 22)
    assert [(type(c).__name__, c.call_id) for c in commands if isinstance(c, TakeBack)] == [
        ("TakeBack", "c1")
    ]
    assert routed(commands) == {}


def test_a_caller_taken_back_and_routed_at_once_gets_one_redirect() -> None:
    """Asterisk refuses a second Redirect right behind the first ("channel not up")."""
    core = make_core(RoutingPolicy(ring_timeout=15, ring_grace=5))
    core.login(agent("ann"), "8001", T0)
    core.login(agent("ben"), "8002", T0 + 1)
    core.handle(waiting("c1"), T0 + 2)
    core.handle(SeatRinging(call_id="c1", seat="8001", channel=LEG), T0 + 2)
    commands = core.tick(T0 + 22)
    assert [type(c).__name__ for c in commands if isinstance(c, TakeBack | ConnectToSeat)] == [
        "ConnectToSeat"
    ]


def test_the_dialplan_is_told_the_acds_ring_timeout() -> None:
    core = make_core(RoutingPolicy(ring_timeout=7))
    core.login(agent("ann"), "8001", T0)
    [connect] = connects(core.handle(waiting("c1"), T0 + 1))
    assert connect.ring_timeout == 7
