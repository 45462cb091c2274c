"""What makes a call a missed call: the reason, and callers who never reached the queue."""

from __future__ import annotations

from acd.events import CallMissed, MissReason
from acd.policy import RoutingPolicy
from seats.events import instant


def missed_call(
    call_id: str, number: str, reason: MissReason, waited: float, now: float
) -> CallMissed:
    return CallMissed(
        call_id=call_id,
        at=instant(now),
        caller_number=number,
        reason=reason,
        waited_seconds=waited,
    )


def hang_up_reason(waited: float, policy: RoutingPolicy) -> MissReason:
    """A caller who gives up quickly is hesitant, and called back first among equals."""
    return MissReason.SHORT_HANGUP if waited < policy.short_hangup_seconds else MissReason.ABANDONED


class CallersInMenu:
    """Calls announced but not yet waiting (in the IVR): a hang-up there is still a miss."""

    def __init__(self) -> None:
        self._arrived: dict[str, tuple[str, float]] = {}

    def arrive(self, call_id: str, number: str, now: float) -> None:
        self._arrived[call_id] = (number, now)

    def reached_queue(self, call_id: str) -> str:
        """The caller's number, now that the call is the queue's to track."""
        return self._arrived.pop(call_id, ("", 0.0))[0]

    def hung_up(self, call_id: str, now: float, policy: RoutingPolicy) -> CallMissed | None:
        arrival = self._arrived.pop(call_id, None)
        if arrival is None:
            return None
        number, arrived = arrival
        waited = now - arrived
        return missed_call(call_id, number, hang_up_reason(waited, policy), waited, now)
