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
from collections.abc import Mapping

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
