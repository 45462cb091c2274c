"""Call events: what the channel tracker reports and the distributor consumes.

Every event carries the call id (the inbound channel's Linkedid). These are the
contract between ``acd.tracker`` (AMI in) and the rest of the system.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from callcenter.kernel.bus import DomainEvent
from seats.skills import Skill as Skill  # call events carry the skill a caller needs


class MissReason(StrEnum):
    ABANDONED = "abandoned"  # hung up while waiting
    SHORT_HANGUP = "short_hangup"  # hung up within a few seconds: a hesitant caller
    OVERFLOW = "overflow"  # waited too long or the queue was full
    ALL_BUSY = "all_busy"  # no seat open at all
    CLOSED = "closed"  # out of hours
    DROPPED = "dropped"  # gone when the ACD resynced: Asterisk restarted or lost the call


@dataclass(frozen=True, kw_only=True)
class CallArrived(DomainEvent):
    """An inbound channel for the hotline appeared (before any agent answers)."""

    caller_number: str
    caller_name: str = ""
    dnis: str = ""
    channel: str = ""
    # the surge (its reason) the call arrived in: stamped by the ACD as it publishes the
    # arrival, so the record says so however late it is written (settle, an outage)
    campaign: str | None = None


@dataclass(frozen=True, kw_only=True)
class CallWaiting(DomainEvent):
    """The caller is in music on hold and waits for a seat (UserEvent CallWaiting)."""

    caller_number: str
    caller_name: str = ""
    skill: Skill = Skill.GENERAL
    wait_channel: str
    requeued: bool = False
    # When the caller first reached the queue (epoch s), for a caller found waiting by a
    # resync after a restart; None: now.
    queued_at: float | None = None


@dataclass(frozen=True, kw_only=True)
class SeatRinging(DomainEvent):
    seat: str
    channel: str = ""


@dataclass(frozen=True, kw_only=True)
class CallRecovered(DomainEvent):
    """A resync found this call at a seat, ringing or talking, with no routing record of it:
    the ACD restarted (or took over) meanwhile. SeatRinging or CallConnected follows."""

    seat: str
    caller_number: str = ""


@dataclass(frozen=True, kw_only=True)
class SeatFailed(DomainEvent):
    """The seat did not take the caller (NOANSWER, BUSY, CHANUNAVAIL, ...)."""

    seat: str
    dial_status: str


@dataclass(frozen=True, kw_only=True)
class SeatLegEnded(DomainEvent):
    """The seat's own channel for this call is gone: only now is the phone free again."""

    seat: str
    channel: str


@dataclass(frozen=True, kw_only=True)
class SeatPhoneBusy(DomainEvent):
    """The seat's phone is in use (a consult call, a listen-in) or free again."""

    seat: str
    busy: bool


@dataclass(frozen=True, kw_only=True)
class CallConnected(DomainEvent):
    """Caller and seat are bridged: an agent answered. The ACD fills in the agent."""

    seat: str
    agent: str | None = None


@dataclass(frozen=True, kw_only=True)
class CallbackOffered(DomainEvent):
    reason: str


@dataclass(frozen=True, kw_only=True)
class CallEnded(DomainEvent):
    """The inbound channel hung up. ``estimated`` when the end was inferred on resync."""

    cause: int = 16
    connected: bool = False
    estimated: bool = False


@dataclass(frozen=True, kw_only=True)
class SeatReachability(DomainEvent):
    """The seat's softphone registered (reachable) or went away."""

    seat: str
    reachable: bool


@dataclass(frozen=True, kw_only=True)
class CallMissed(DomainEvent):
    """A call no agent answered; becomes (or merges into) one pending callback."""

    caller_number: str
    reason: MissReason
    waited_seconds: float = 0.0


@dataclass(frozen=True, kw_only=True)
class CallRouted(DomainEvent):
    """The distributor sent the caller to a seat, with the reason a supervisor can read."""

    seat: str
    explanation: str
