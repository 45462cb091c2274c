"""Queue order and seat choice, with the plain-language reason for each choice.

Pure functions over the core's records: which waiting caller comes next and which
free seat takes them.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from acd.events import Skill
from acd.policy import CallerPriority, RoutingPolicy
from seats.agents import serves
from seats.state import Seat


@dataclass
class CallRecord:
    """A caller the ACD is responsible for: waiting, ringing at a seat, or connected."""

    call_id: str
    number: str
    skill: Skill
    wait_channel: str
    waiting_since: float
    seq: int
    priority: CallerPriority | None = None
    head_start: float = 0.0
    skipped: set[str] = field(default_factory=set)  # seats that did not answer this caller
    seat: str | None = None
    connected: bool = False
    ring_deadline: float | None = None
    high_risk: bool = False
    explanation: str = ""  # why it went to its current seat

    @property
    def crisis(self) -> bool:
        return self.priority is CallerPriority.CRISIS or self.skill is Skill.CRISIS

    @property
    def key(self) -> tuple[float, int]:
        """Queue order: the earlier (waiting start minus head start), the sooner."""
        return (self.waiting_since - self.head_start, self.seq)

    def waited(self, now: float) -> float:
        return max(0.0, now - self.waiting_since)


@dataclass(frozen=True)
class Need:
    """The skill a caller needs right now, and how to say it."""

    skill: Skill
    label: str


def need_of(call: CallRecord, now: float, policy: RoutingPolicy) -> Need:
    if call.crisis:
        if call.waited(now) < policy.crisis_widen_after:
            return Need(Skill.CRISIS, "crisis-qualified")
        return Need(Skill.GENERAL, "")
    if call.skill is Skill.GENERAL:
        return Need(Skill.GENERAL, "")
    return Need(call.skill, call.skill.value)


class WaitingQueue:
    """Waiting callers in routing order (priority head start, then longest wait)."""

    def __init__(self) -> None:
        self._keys: list[tuple[float, int, str]] = []
        self._calls: dict[str, CallRecord] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._calls

    def __iter__(self) -> Iterator[CallRecord]:
        calls = self._calls
        return (calls[key[2]] for key in self._keys)

    def add(self, call: CallRecord) -> None:
        insort(self._keys, (*call.key, call.call_id))
        self._calls[call.call_id] = call

    def remove(self, call: CallRecord) -> None:
        if self._calls.pop(call.call_id, None) is None:
            return
        key = (*call.key, call.call_id)
        self._keys.pop(bisect_left(self._keys, key))

    def position(self, call_id: str) -> int | None:
        call = self._calls.get(call_id)
        if call is None:
            return None
        return bisect_left(self._keys, (*call.key, call_id)) + 1


@dataclass(frozen=True)
class Route:
    call: CallRecord
    seat: str
    explanation: str


def plan_routes(
    waiting: Iterable[CallRecord], free: Sequence[Seat], now: float, policy: RoutingPolicy
) -> list[Route]:
    """Match waiting callers, best-ranked first, to the longest-idle free seat that fits.

    ``free`` holds seats that may ring now (available, reachable, open, with an agent).
    """
    idle = sorted(free, key=lambda seat: (seat.since, seat.seat))
    routes: list[Route] = []
    servable = _servable(idle)
    for call in waiting:
        if not idle:
            break
        need = need_of(call, now, policy)
        if need.skill not in servable:
            continue
        fitting = [
            seat
            for seat in idle
            if seat.seat not in call.skipped and seat.agent and serves(seat.agent, need.skill)
        ]
        if not fitting:
            continue
        chosen = fitting[0]
        routes.append(Route(call, chosen.seat, _why_this_seat(call, need, fitting, now)))
        idle.remove(chosen)
        servable = _servable(idle)
    return routes


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
