"""Queue order and seat choice, with the plain-language reason for each choice.

Pure functions over the core's records: which waiting caller comes next and which
free seat takes them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from acd.commands import Command, ConnectToSeat, Publish
from acd.events import CallRouted, Skill
from acd.policy import CallerPriority, RoutingPolicy
from acd.waiting import CallRecord, Need, WaitingQueue, need_of
from seats.agents import serves
from seats.events import instant
from seats.state import Seat


@dataclass(frozen=True)
class Route:
    call: CallRecord
    seat: str
    explanation: str


def plan_routes(
    queue: WaitingQueue,
    free: Sequence[Seat],
    now: float,
    policy: RoutingPolicy,
    *,
    crisis_staffed: bool = True,
) -> list[Route]:
    """Match waiting callers, best-ranked first, to the longest-idle free seat that fits.

    ``free`` holds seats that may ring now (available, reachable, open, with an agent);
    ``crisis_staffed`` whether any crisis-qualified agent is logged in at all.
    Each round takes the best-ranked caller among the lanes' first callers who fit a
    free seat, so the work is per lane served, not per caller waiting. Routed callers
    leave the queue.
    """
    idle = sorted(free, key=lambda seat: (seat.since, seat.seat))
    routes: list[Route] = []
    while idle:
        best: tuple[CallRecord, Need, list[Seat]] | None = None
        servable = _servable(idle)
        for skill, callers in queue.lanes():
            found = _first_fitting(skill, callers, idle, servable, now, policy, crisis_staffed)
            if found and (best is None or found[0].key < best[0].key):
                best = found
        if best is None:
            break
        call, need, fitting = best
        queue.remove(call)
        routes.append(Route(call, fitting[0].seat, _why_this_seat(call, need, fitting, now)))
        idle.remove(fitting[0])
    return routes


def _first_fitting(
    lane: Skill,
    callers: Iterator[CallRecord],
    idle: Sequence[Seat],
    servable: set[Skill],
    now: float,
    policy: RoutingPolicy,
    crisis_staffed: bool,
) -> tuple[CallRecord, Need, list[Seat]] | None:
    """The best-ranked caller of a lane that one of the idle seats may take."""
    if lane is not Skill.CRISIS and lane not in servable:
        return None  # everybody in this lane needs the same skill
    for call in callers:
        need = need_of(call, now, policy, crisis_staffed=crisis_staffed)
        if need.skill not in servable:
            return None  # not widened yet, and nor is anybody behind in this lane
        fitting = [
            seat
            for seat in idle
            if seat.seat not in call.skipped and seat.agent and serves(seat.agent, need.skill)
        ]
        if fitting:
            return call, need, fitting
    return None


def _servable(idle: Sequence[Seat]) -> set[Skill]:
    skills = {Skill.GENERAL} if idle else set()
    for seat in idle:
        if seat.agent:
            skills |= seat.agent.skills
    return skills


def _why_this_seat(call: CallRecord, need: Need, fitting: Sequence[Seat], now: float) -> str:
    chosen = fitting[0]
    kind = f"{need.label} " if need.label else ""
    plural = "s" if len(fitting) != 1 else ""
    text = (
        f"longest idle among {len(fitting)} available {kind}seat{plural}: "
        f"{chosen.seat} idle {now - chosen.since:.0f} s"
    )
    notes = []
    if call.crisis:
        widened = need.skill is not Skill.CRISIS
        notes.append("crisis caller" + (", widened to any agent" if widened else ""))
    elif call.priority is CallerPriority.CALLBACK:
        notes.append("caller returning a callback")
    if call.skipped:
        notes.append(f"did not answer: {', '.join(sorted(call.skipped))}")
    return f"{text} ({'; '.join(notes)})" if notes else text


def connect(route: Route, ring_timeout: float, now: float) -> list[Command]:
    """What a route asks of the shell: move the caller to the seat, and say why."""
    call = route.call
    routed = CallRouted(
        call_id=call.call_id, at=instant(now), seat=route.seat, explanation=route.explanation
    )
    return [
        ConnectToSeat(call.call_id, call.wait_channel, route.seat, route.explanation, ring_timeout),
        Publish(routed),
    ]
