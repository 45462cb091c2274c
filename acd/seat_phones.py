"""Whether a seat's phone can take a call now: its own legs gone, and not in use.

The seat state machine says whether the *agent* is free; this says whether the
*phone* is. Asterisk emits the caller's Hangup before the seat leg's in about a
third of calls, so a seat is offered again only when its own leg is gone (or,
if that Hangup was lost, a bounded wait after it should have come), and never
while its device state says it is in use (a consult call, a listen-in, a
conference the agent stays in after the caller left).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LEG_GRACE = 3.0  # seconds to wait for a seat leg's own Hangup before assuming it lost


@dataclass
class SeatPhones:
    legs: dict[str, set[str]] = field(default_factory=dict)  # seat → its live channels
    busy: set[str] = field(default_factory=set)  # device state says in use
    _waits: dict[str, float] = field(default_factory=dict)  # seat → when to stop waiting

    def rang(self, seat: str, channel: str) -> None:
        if channel:
            self.legs.setdefault(seat, set()).add(channel)

    def leg_ended(self, seat: str, channel: str) -> None:
        live = self.legs.get(seat)
        if live is not None:
            live.discard(channel)
            if not live:
                del self.legs[seat]
                self._waits.pop(seat, None)

    def set_busy(self, seat: str, busy: bool) -> None:
        if busy:
            self.busy.add(seat)
        else:
            self.busy.discard(seat)

    def has_leg(self, seat: str) -> bool:
        return seat in self.legs

    def free(self, seat: str) -> bool:
        return seat not in self.legs and seat not in self.busy

    def wait_for_legs(self, seat: str, now: float) -> float | None:
        """Start waiting for the seat's legs to end; the deadline, if a new wait began."""
        if seat not in self.legs or seat in self._waits:
            return None
        self._waits[seat] = now + LEG_GRACE
        return self._waits[seat]

    def wait_again(self, seat: str, now: float) -> float:
        self._waits[seat] = now + LEG_GRACE
        return self._waits[seat]

    def waits_until(self, seat: str) -> float | None:
        return self._waits.get(seat)

    def give_up_waiting(self, seat: str) -> None:
        """The leg's Hangup never came (lost on a reconnect): the phone counts as free."""
        self.legs.pop(seat, None)
        self._waits.pop(seat, None)
