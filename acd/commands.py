"""What the ACD core asks its shell to do: connect, overflow, publish, wake it later."""

from __future__ import annotations

from dataclasses import dataclass

from acd.events import MissReason
from callcenter.kernel.bus import DomainEvent


@dataclass(frozen=True)
class ConnectToSeat:
    """Redirect the waiting caller's channel to ``acd-seat``, exten ``seat``.

    ``ring_timeout`` goes on the caller's channel (``ACD_RING_TIMEOUT``) first: the
    dialplan rings the seat exactly as long as the ACD waits for it.
    """

    call_id: str
    wait_channel: str
    seat: str
    explanation: str
    ring_timeout: float = 15.0


@dataclass(frozen=True)
class TakeBack:
    """Redirect a caller who is ringing at a seat back to ``acd-hold``: the ring is over."""

    call_id: str
    wait_channel: str


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


Command = ConnectToSeat | TakeBack | SendToOverflow | Publish | WakeAt


def one_redirect_per_caller(commands: list[Command]) -> list[Command]:
    """A caller taken back and routed again at once needs one Redirect, not two: on the
    real Asterisk a second Redirect right behind the first fails ("channel not up")
    while the first is still pulling the channel out of its Dial."""
    rerouted = {c.call_id for c in commands if isinstance(c, ConnectToSeat)}
    return [c for c in commands if not (isinstance(c, TakeBack) and c.call_id in rerouted)]
