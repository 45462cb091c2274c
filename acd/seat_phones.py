"""Whether a seat's phone can take a call now: its own legs gone, and not in use.

The seat state machine says whether the *agent* is free; this says whether the
*phone* is. Asterisk emits the caller's Hangup before the seat leg's in about a
third of calls, so a seat is offered again only when its own leg is gone (or,
if that Hangup was lost, a bounded wait after it should have come), and never
while its device state says it is in use (a consult call, a listen-in).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LEG_GRACE = 3.0  # seconds to wait for a seat leg's own Hangup before assuming it lost


@dataclass
class SeatPhones:
    legs: dict[str, set[str]] = field(default_factory=dict)  # seat → its live channels
    busy: set[str] = field(default_factory=set)  # device state says in use
    waiting_since: dict[str, float] = field(default_factory=dict)  # seat → leg wait deadline

    def rang(self, seat: str, channel: str) -> None:
        if channel:
            self.legs.setdefault(seat, set()).add(channel)

    def leg_ended(self, seat: str, channel: str) -> None:
        live = self.legs.get(seat)
        if live is not None:
            live.discard(channel)
            if not live:
                del self.legs[seat]
                self.waiting_since.pop(seat, None)

    def set_busy(self, seat: str, busy: bool) -> None:
        if busy:
            self.busy.add(seat)
        else:
            self.busy.discard(seat)

    def free(self, seat: str) -> bool:
        return seat not in self.legs and seat not in self.busy

    def leg_wait(self, seat: str, now: float) -> float | None:
        """The seat's agent is free but a leg is still up: when to stop waiting for it."""
        if seat not in self.legs:
            return None
        if seat not in self.waiting_since:
            self.waiting_since[seat] = now + LEG_GRACE
            return self.waiting_since[seat]
        return None

    def waits_until(self, seat: str) -> float | None:
        return self.waiting_since.get(seat)

    def give_up_waiting(self, seat: str) -> None:
        """The leg's Hangup never came (lost on a reconnect): the phone counts as free."""
        self.legs.pop(seat, None)
        self.waiting_since.pop(seat, None)
