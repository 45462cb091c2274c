"""A waiting caller, what they need right now, and the queue they wait in.

The queue keeps one sorted lane per kind of need (general, psychological, legal,
crisis) and priority, so a freed seat looks only at the heads of the lanes its
agent can serve: 1,000 legal callers cost nothing to a free psychological
counsellor. Within a lane everybody has the same head start, so it is in order of
waiting time and its crisis callers widen front to back. Across lanes the order is
the same everywhere: head start, then longest wait.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections.abc import Iterator
from dataclasses import dataclass, field

from acd.events import Skill
from acd.policy import CallerPriority, RoutingPolicy

Key = tuple[float, int, str]
Lane = tuple[Skill, CallerPriority | None]


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
    def key(self) -> Key:
        """Queue order: the earlier (waiting start minus head start), the sooner."""
        return (self.waiting_since - self.head_start, self.seq, self.call_id)

    @property
    def lane(self) -> Lane:
        """Crisis callers wait in the crisis lane, the others in that of their IVR skill."""
        return (Skill.CRISIS if self.crisis else self.skill, self.priority)

    def waited(self, now: float) -> float:
        return max(0.0, now - self.waiting_since)


@dataclass(frozen=True)
class Need:
    """The skill a caller needs right now, and how to say it."""

    skill: Skill
    label: str


def need_of(
    call: CallRecord, now: float, policy: RoutingPolicy, *, crisis_staffed: bool = True
) -> Need:
    """``crisis_staffed``: a crisis-qualified agent is logged in. If none is, a crisis
    caller waiting for one would wait the whole widening time for nobody."""
    if call.crisis:
        if crisis_staffed and call.waited(now) < policy.crisis_widen_after:
            return Need(Skill.CRISIS, "crisis-qualified")
        return Need(Skill.GENERAL, "")
    if call.skill is Skill.GENERAL:
        return Need(Skill.GENERAL, "")
    return Need(call.skill, call.skill.value)


class WaitingQueue:
    """Waiting callers in routing order, kept in one sorted lane per kind of need."""

    def __init__(self) -> None:
        self._lanes: dict[Lane, list[Key]] = {}
        self._calls: dict[str, tuple[CallRecord, Lane, Key]] = {}

    def __len__(self) -> int:
        return len(self._calls)

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._calls

    def __iter__(self) -> Iterator[CallRecord]:
        """Every waiting caller, best-ranked first."""
        calls = self._calls
        return (calls[key[2]][0] for key in heapq.merge(*self._lanes.values()))

    def lanes(self) -> Iterator[tuple[Skill, Iterator[CallRecord]]]:
        """Each non-empty lane's skill and its callers, best-ranked first."""
        calls = self._calls
        for (skill, _), keys in self._lanes.items():
            if keys:
                yield skill, (calls[key[2]][0] for key in keys)

    def add(self, call: CallRecord) -> None:
        key, lane = call.key, call.lane
        insort(self._lanes.setdefault(lane, []), key)
        self._calls[call.call_id] = (call, lane, key)

    def remove(self, call: CallRecord) -> None:
        entry = self._calls.pop(call.call_id, None)
        if entry is not None:
            _, lane, key = entry
            keys = self._lanes[lane]
            keys.pop(bisect_left(keys, key))

    def position(self, call_id: str) -> int | None:
        entry = self._calls.get(call_id)
        if entry is None:
            return None
        key = entry[2]
        return 1 + sum(bisect_left(keys, key) for keys in self._lanes.values())
