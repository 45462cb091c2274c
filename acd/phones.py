"""What AMI says about the seats' phones: registered or not, free or busy.

Pure readers of single events. Registration comes from PJSIP's contacts
(``ContactStatus`` live, ``ContactList`` in a resync), which is what decides
whether Asterisk can reach the phone. Device state (``DeviceStateChange``) only
says whether the phone is in use: after an Asterisk restart it reports every
phone UNAVAILABLE until the first qualify, seconds after the phones are
reachable again, so it is not trusted for registration.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime

from acd.events import SeatPhoneBusy, SeatReachability
from callcenter.kernel.bus import DomainEvent

Event = Mapping[str, str | list[str]]

SEAT_DEVICE = re.compile(r"^(?:PJSIP|SIP)/(?!trunk)([^-/@;]+)$")
_REACHABLE = {
    "Reachable": True,
    "Created": True,
    "NonQualified": True,  # restored from astdb after a restart, not yet asked
    "Unreachable": False,
    "Removed": False,
}
# device_state_busy_at=1 makes a phone on one call BUSY; RINGING is an offer in progress.
_IN_USE = frozenset({"INUSE", "BUSY", "RINGING", "RINGINUSE", "ONHOLD"})


def text(event: Event, key: str) -> str:
    value = event.get(key, "")
    return value if isinstance(value, str) else (value[0] if value else "")


def contact_reachability(event: Event) -> tuple[str, bool | None]:
    """(seat, reachable) from ContactStatus / ContactList; None when it says nothing."""
    seat = text(event, "EndpointName") or text(event, "Endpoint")
    status = text(event, "ContactStatus") or text(event, "Status")
    if not seat or seat.startswith("trunk"):
        return "", None
    return seat, _REACHABLE.get(status)


def phone_in_use(event: Event) -> tuple[str, bool | None]:
    """(seat, in use) from a DeviceStateChange of a seat's PJSIP device."""
    match = SEAT_DEVICE.match(text(event, "Device"))
    if match is None:
        return "", None
    state = text(event, "State")
    if state in ("UNAVAILABLE", "INVALID", "UNKNOWN"):
        return match.group(1), None  # says nothing about use; registration is the contacts'
    return match.group(1), state in _IN_USE


class PhoneWatch:
    """What the tracker last reported of each phone: registered, in use. Reports changes."""

    def __init__(self, seats: Collection[str]) -> None:
        self._seats = frozenset(seats)  # every phone the ACD manages (for a resync)
        self._reachable: dict[str, bool] = {}
        self._in_use: dict[str, bool] = {}

    def contact(self, event: Event, now: datetime) -> list[DomainEvent]:
        seat, reachable = contact_reachability(event)
        if not seat or reachable is None:
            return []
        return self._set_reachable(seat, reachable, now)

    def device(self, event: Event, now: datetime) -> list[DomainEvent]:
        seat, in_use = phone_in_use(event)
        if not seat or in_use is None or self._in_use.get(seat, False) == in_use:
            return []
        self._in_use[seat] = in_use
        return [SeatPhoneBusy(at=now, seat=seat, busy=in_use)]

    def registrations(self, contacts: Sequence[Event], now: datetime) -> list[DomainEvent]:
        """Each listed contact's reachability; a managed phone with no contact is unreachable."""
        out: list[DomainEvent] = []
        listed = set()
        for contact in contacts:
            listed.add(contact_reachability(contact)[0])
            out += self.contact(contact, now)
        for seat in sorted(self._seats - listed):
            out += self._set_reachable(seat, False, now)
        return out

    def freed(self, channels: Iterable[str], now: datetime) -> list[DomainEvent]:
        """A phone marked in use with no channel left in a listing was freed meanwhile."""
        names = list(channels)
        out: list[DomainEvent] = []
        for seat in [seat for seat, busy in self._in_use.items() if busy]:
            prefixes = (f"PJSIP/{seat}-", f"SIP/{seat}-")
            if not any(name.startswith(prefixes) for name in names):
                self._in_use[seat] = False
                out.append(SeatPhoneBusy(at=now, seat=seat, busy=False))
        return out

    def _set_reachable(self, seat: str, reachable: bool, now: datetime) -> list[DomainEvent]:
        if self._reachable.get(seat) == reachable:
            return []
        self._reachable[seat] = reachable
        return [SeatReachability(at=now, seat=seat, reachable=reachable)]
