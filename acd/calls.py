"""The callers the ACD is responsible for, in queue order, and the ids it is done with."""

from __future__ import annotations

from collections.abc import Iterator

from acd.events import CallWaiting, Skill
from acd.policy import CallerPriority, RoutingPolicy
from acd.waiting import CallRecord, WaitingQueue

FINISHED_MEMORY = 10_000  # ended call ids kept to ignore the dialplan's late re-announcements


class CallBook:
    def __init__(self, policy: RoutingPolicy) -> None:
        self.policy = policy
        self.waiting = WaitingQueue()
        self._calls: dict[str, CallRecord] = {}
        self._finished: dict[str, None] = {}  # insertion-ordered: oldest first
        self._priorities: dict[str, CallerPriority] = {}
        self._seq = 0

    def get(self, call_id: str | None) -> CallRecord | None:
        return self._calls.get(call_id or "")

    def finished(self, call_id: str) -> bool:
        return call_id in self._finished

    def new(self, event: CallWaiting, call_id: str, now: float) -> CallRecord:
        """A record for a caller who just started waiting (not yet admitted)."""
        self._seq += 1
        since = now if event.queued_at is None else min(now, event.queued_at)
        call = CallRecord(
            call_id=call_id,
            number=event.caller_number,
            skill=event.skill,
            wait_channel=event.wait_channel,
            waiting_since=since,
            seq=self._seq,
        )
        self._rank(call)
        return call

    def adopt(self, call_id: str, number: str, seat: str, now: float) -> CallRecord:
        """A caller found already at a seat (after a restart or a takeover)."""
        self._seq += 1
        call = CallRecord(call_id=call_id, number=number, skill=Skill.GENERAL, wait_channel="",
                          waiting_since=now, seq=self._seq, seat=seat)  # fmt: skip
        self._rank(call)
        self._calls[call_id] = call
        return call

    def admit(self, call: CallRecord) -> None:
        self._calls[call.call_id] = call
        self.waiting.add(call)

    def forget(self, call: CallRecord) -> None:
        self.waiting.remove(call)
        self._calls.pop(call.call_id, None)
        self._finished[call.call_id] = None
        if len(self._finished) > FINISHED_MEMORY:
            del self._finished[next(iter(self._finished))]

    def routed(self) -> Iterator[CallRecord]:
        """Callers ringing at a seat (not yet answered)."""
        return (c for c in self._calls.values() if c.seat is not None and not c.connected)

    def set_priority(self, number: str, reason: CallerPriority | None) -> list[CallRecord]:
        """Flag or unflag a number; returns the waiting callers it re-ranked."""
        if reason is None:
            self._priorities.pop(number, None)
        else:
            self._priorities[number] = reason
        moved = [call for call in self.waiting if call.number == number]
        for call in moved:
            self.waiting.remove(call)
            self._rank(call)
            self.waiting.add(call)
        return moved

    def _rank(self, call: CallRecord) -> None:
        call.priority = self._priorities.get(call.number)
        call.head_start = self.policy.head_start(call.priority)
