"""What the ACD core asks its shell to do: connect, overflow, publish, wake it later."""

from __future__ import annotations

from dataclasses import dataclass

from acd.events import MissReason
from callcenter.kernel.bus import DomainEvent


@dataclass(frozen=True)
class ConnectToSeat:
    """Redirect the waiting caller's channel to ``acd-seat``, exten ``seat``."""

    call_id: str
    wait_channel: str
    seat: str
    explanation: str


@dataclass(frozen=True)
class SendToOverflow:
    """Redirect the caller to ``acd-overflow`` (``acd-closed`` when the reason is CLOSED)."""

    call_id: str
    wait_channel: str
    reason: MissReason


@dataclass(frozen=True)
class Publish:
    event: DomainEvent


@dataclass(frozen=True)
class WakeAt:
    """Call ``core.tick(at)`` then. Calling it early or twice is harmless."""

    at: float


Command = ConnectToSeat | SendToOverflow | Publish | WakeAt
