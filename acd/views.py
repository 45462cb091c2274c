"""Read models of the ACD core for the API, the wallboard and the agent desk."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeatView:
    seat: str
    state: str
    agent: str | None  # agent id
    agent_name: str | None
    skills: tuple[str, ...]
    since: float
    pause_reason: str | None
    pending_pause: str | None  # applied when the current call's work ends
    reachable: bool
    open: bool  # open for login (normal capacity, or surge)
    callback: bool  # the callback seat: never rung for inbound callers
    call_id: str | None
    wrapup_until: float | None


@dataclass(frozen=True)
class QueueEntryView:
    call_id: str
    number: str
    skill: str
    priority: str | None
    waited: float
    position: int | None  # 1 = next; None while ringing at a seat
    ringing_at: str | None
    explanation: str
