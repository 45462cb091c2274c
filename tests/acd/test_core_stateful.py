"""Random days at the hotline against the core, checking the invariants after every step.

A small world model plays Asterisk and the agents: callers arrive, seats ring,
answer, fail or hang up, agents log in, pause, resume, the time moves. After
every step: no seat has two calls, no caller is at two seats, only available
seats are rung, nobody waits past max wait, routing left no caller waiting for a
seat that could take them, and every seat change came with its event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from hypothesis import HealthCheck, settings
from hypothesis import event as observe
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from acd.commands import Command, ConnectToSeat, Publish, SendToOverflow, WakeAt
from acd.core import AcdCore
from acd.events import CallConnected, CallEnded, CallMissed, CallRouted, SeatReachability, Skill
from acd.policy import CallerPriority, RoutingPolicy
from acd.views import SeatView
from callcenter.kernel.bus import DomainEvent
from seats.agents import Agent
from seats.events import SeatStateChanged
from seats.state import SeatError
from tests.acd.core_world import T0, agent, failed, ringing, waiting

SEATS = ["8001", "8002", "8003", "8004", "8005", "8006"]
POLICY = RoutingPolicy(
    ring_timeout=15,
    ring_grace=5,
    max_wait=120,
    max_queue=12,
    wrapup_seconds=30,
    wrapup_high_risk_seconds=90,
    crisis_widen_after=20,
)
CRISIS_NUMBER = "+8613900000000"
AGENTS = [
    agent("gen"),
    agent("psy", Skill.PSYCHOLOGICAL),
    agent("law", Skill.LEGAL),
    agent("cri", Skill.CRISIS, Skill.PSYCHOLOGICAL),
    agent("all", Skill.PSYCHOLOGICAL, Skill.LEGAL, Skill.CRISIS),
    agent("gen2"),
]


@dataclass
class Caller:
    skill: Skill
    number: str
    arrived: float
    seat: str | None = None  # where the caller is ringing or talking
    rang_at: float = 0.0
    answered: bool = False
    skipped: set[str] = field(default_factory=set)


class HotlineDay(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.core = AcdCore(POLICY, seats=SEATS, normal_seats=4)
        self.core.set_caller_priority(CRISIS_NUMBER, CallerPriority.CRISIS)
        self.now = T0
        self.callers: dict[str, Caller] = {}
        self.missed: set[str] = set()
        self.serial = 0

    @initialize(team=st.lists(st.sampled_from(AGENTS[1:]), unique=True, max_size=3))
    def shift_starts(self, team: list[Agent]) -> None:
        for seat, who in zip(SEATS, [AGENTS[0], *team], strict=False):
            self.step(lambda: self.core.login(who, seat, self.now))  # noqa: B023

    # -- the world -----------------------------------------------------------------
    @rule(skill=st.sampled_from(list(Skill)), crisis=st.booleans())
    def caller_arrives(self, skill: Skill, crisis: bool) -> None:
        self.serial += 1
        call_id = f"c{self.serial}"
        number = CRISIS_NUMBER if crisis else f"+86138{self.serial:08d}"
        self.callers[call_id] = Caller(skill, number, self.now)
        self.step(lambda: self.core.handle(waiting(call_id, skill, number), self.now))

    @rule()
    def ordinary_caller_arrives(self) -> None:
        self.caller_arrives(Skill.GENERAL, crisis=False)

    @rule(seconds=st.sampled_from([0.5, 3, 9, 16, 21, 35, 70]))
    def time_passes(self, seconds: float) -> None:
        self.now += seconds
        self.step(lambda: self.core.tick(self.now))

    @precondition(lambda self: self._ringing())
    @rule(data=st.data())
    def seat_rings(self, data: st.DataObject) -> None:
        call_id = data.draw(st.sampled_from(self._ringing()))
        caller = self.callers[call_id]
        seat, caller.rang_at = caller.seat or "", self.now
        self.step(lambda: self.core.handle(ringing(call_id, seat), self.now))

    @precondition(lambda self: self._ringing())
    @rule(data=st.data())
    def agent_answers(self, data: st.DataObject) -> None:
        call_id = data.draw(st.sampled_from(self._ringing()))
        caller = self.callers[call_id]
        caller.answered = True
        event = CallConnected(call_id=call_id, seat=caller.seat or "")
        self.step(lambda: self.core.handle(event, self.now))

    @precondition(lambda self: self._ringing())
    @rule(data=st.data(), status=st.sampled_from(["NOANSWER", "BUSY", "CHANUNAVAIL"]))
    def seat_fails(self, data: st.DataObject, status: str) -> None:
        call_id = data.draw(st.sampled_from(self._ringing()))
        caller = self.callers[call_id]
        seat, caller.seat = caller.seat or "", None
        caller.skipped.add(seat)
        self.step(lambda: self.core.handle(failed(call_id, seat, status), self.now))

    @precondition(lambda self: self.callers)
    @rule(data=st.data())
    def caller_hangs_up(self, data: st.DataObject) -> None:
        call_id = data.draw(st.sampled_from(sorted(self.callers)))
        caller = self.callers.pop(call_id)
        self.step(lambda: self.core.handle(CallEnded(call_id=call_id), self.now))
        if not caller.answered:
            assert call_id in self.missed, "a caller who hung up unanswered must be a missed call"

    @rule(call_id=st.sampled_from(["c1", "c2", "ghost"]), seat=st.sampled_from(SEATS))
    def stale_failure(self, call_id: str, seat: str) -> None:
        caller = self.callers.get(call_id)
        if caller is not None and caller.seat == seat:
            return  # not stale
        self.step(lambda: self.core.handle(failed(call_id, seat), self.now))

    @rule(seat=st.sampled_from(SEATS), reachable=st.booleans())
    def softphone_registers(self, seat: str, reachable: bool) -> None:
        event = SeatReachability(seat=seat, reachable=reachable)
        self.step(lambda: self.core.handle(event, self.now))

    # -- agents and supervisors ----------------------------------------------------------
    @rule(who=st.sampled_from(AGENTS), seat=st.sampled_from([*SEATS, "8099"]))
    def agent_logs_in(self, who: Agent, seat: str) -> None:
        self.step(lambda: self.core.login(who, seat, self.now))

    @rule(seat=st.sampled_from(SEATS), forced=st.booleans())
    def agent_logs_out(self, seat: str, forced: bool) -> None:
        by = "sup" if forced else None
        self.step(lambda: self.core.logout(seat, self.now, forced_by=by))

    @rule(seat=st.sampled_from(SEATS), reason=st.sampled_from(["break", "meal"]))
    def agent_pauses(self, seat: str, reason: str) -> None:
        self.step(lambda: self.core.pause(seat, reason, self.now))

    @rule(seat=st.sampled_from(SEATS))
    def agent_resumes(self, seat: str) -> None:
        self.step(lambda: self.core.resume(seat, self.now))

    @rule(seat=st.sampled_from(SEATS))
    def agent_finishes_wrap_up(self, seat: str) -> None:
        self.step(lambda: self.core.wrapup_done(seat, self.now))

    @precondition(lambda self: any(c.answered for c in self.callers.values()))
    @rule(data=st.data())
    def agent_flags_high_risk(self, data: st.DataObject) -> None:
        answered = sorted(k for k, c in self.callers.items() if c.answered)
        self.core.mark_high_risk(data.draw(st.sampled_from(answered)))

    @rule(on=st.booleans())
    def supervisor_switches_surge(self, on: bool) -> None:
        self.step(lambda: self.core.set_surge(on, "flood" if on else "", self.now))

    # -- checking every step -------------------------------------------------------------
    def step(self, command: Callable[[], list[Command]]) -> None:
        before = {view.seat: view for view in self.core.seats_view(self.now)}
        try:
            commands = command()
        except SeatError as refused:
            assert refused.status in (404, 409, 422)
            assert {v.seat: v for v in self.core.seats_view(self.now)} == before
            return
        after = {view.seat: view for view in self.core.seats_view(self.now)}
        changes = [c.event for c in commands if isinstance(c, Publish)]
        self._check_seat_events(before, after, changes)
        self._follow(commands, changes)

    def _check_seat_events(
        self, before: dict[str, SeatView], after: dict[str, SeatView], events: list[DomainEvent]
    ) -> None:
        for seat, old in before.items():
            chain = [e for e in events if isinstance(e, SeatStateChanged) and e.seat == seat]
            new = after[seat]
            if not chain:
                assert (old.state, old.agent, old.pause_reason) == (
                    new.state,
                    new.agent,
                    new.pause_reason,
                ), f"seat {seat} changed without an event"
                continue
            assert chain[0].old_state == old.state
            assert chain[-1].new_state == new.state
            for first, then in pairwise(chain):
                assert first.new_state == then.old_state

    def _follow(self, commands: list[Command], events: list[DomainEvent]) -> None:
        rung = {(e.seat, e.call_id) for e in events if isinstance(e, SeatStateChanged)
                and e.old_state == "available" and e.new_state == "ringing"}  # fmt: skip
        released = {(e.seat, e.call_id) for e in events if isinstance(e, SeatStateChanged)
                    and e.old_state == "ringing" and e.new_state != "on_call"}  # fmt: skip
        routed_events = {e.call_id for e in events if isinstance(e, CallRouted)}
        for seat, call_id in released:  # the ring guard gave up on a seat
            caller = self.callers.get(call_id or "")
            if caller is not None and caller.seat == seat:
                assert not caller.answered
                caller.seat = None
                caller.skipped.add(seat)
        for command in commands:
            match command:
                case ConnectToSeat(call_id=call_id, seat=seat, explanation=why):
                    caller = self.callers[call_id]
                    assert not caller.answered, "a connected caller was sent to another seat"
                    assert (seat, call_id) in rung, "rang a seat that was not available"
                    assert caller.seat is None, "a caller at two seats"
                    assert seat not in caller.skipped, "rang a seat that did not answer this caller"
                    observe(f"connect {'after a failure' if caller.skipped else 'first try'}")
                    holders = [k for k, c in self.callers.items() if c.seat == seat]
                    assert not holders, f"seat {seat} already has {holders}"
                    assert why.startswith("longest idle among") and call_id in routed_events
                    caller.seat, caller.rang_at = seat, self.now
                case SendToOverflow(call_id=call_id, reason=reason):
                    caller = self.callers.pop(call_id)
                    assert not caller.answered and caller.seat is None
                    missed = [e for e in events if isinstance(e, CallMissed)]
                    assert [(m.call_id, m.reason) for m in missed if m.call_id == call_id] == [
                        (call_id, reason)
                    ], "every overflow is one missed call with the same reason"
                case WakeAt(at=at):
                    assert at > self.now
        for event in events:
            if isinstance(event, CallMissed):
                assert event.call_id not in self.missed, "one missed call per caller"
                self.missed.add(event.call_id or "")

    def _ringing(self) -> list[str]:
        return sorted(k for k, c in self.callers.items() if c.seat and not c.answered)

    @invariant()
    def nobody_waits_past_max_wait(self) -> None:
        for view in self.core.queue_view(self.now):
            assert view.explanation, "every caller in the queue has a reason"
            if view.position is not None:
                assert view.waited <= POLICY.max_wait
        ring_limit = POLICY.ring_timeout + POLICY.ring_grace
        for caller in self.callers.values():
            if caller.seat and not caller.answered:
                assert self.now - caller.rang_at <= ring_limit
            if not caller.answered:  # routed or overflowed within max wait + one ring
                assert self.now - caller.arrived <= POLICY.max_wait + ring_limit

    @invariant()
    def no_caller_waits_for_a_seat_that_could_take_them(self) -> None:
        seats = [v for v in self.core.seats_view(self.now) if v.state == "available"]
        free = [v for v in seats if v.open and not v.callback and v.reachable]
        for view in self.core.queue_view(self.now):
            if view.position is None:
                continue
            caller = self.callers[view.call_id]
            crisis = caller.number == CRISIS_NUMBER or caller.skill is Skill.CRISIS
            need = caller.skill
            if crisis:
                need = Skill.CRISIS if view.waited < POLICY.crisis_widen_after else Skill.GENERAL
            for seat in free:
                fits = need is Skill.GENERAL or need.value in seat.skills
                assert not fits or seat.seat in caller.skipped, (
                    f"{view.call_id} waits while {seat.seat} is free"
                )

    @invariant()
    def core_and_world_agree_on_who_is_where(self) -> None:
        for view in self.core.seats_view(self.now):
            holders = sorted(k for k, c in self.callers.items() if c.seat == view.seat)
            if view.state in ("ringing", "on_call"):
                assert holders == [view.call_id]
            else:
                assert holders == []


TestHotlineDay = HotlineDay.TestCase
TestHotlineDay.settings = settings(
    max_examples=200,
    stateful_step_count=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
