"""Read models of the ACD core for the API, the wallboard and the agent desk."""

from __future__ import annotations

from dataclasses import dataclass

from acd.waiting import CallRecord
from seats.state import Seat


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


def seat_view(seat: Seat, *, open: bool, callback: bool) -> SeatView:
    agent = seat.agent
    return SeatView(
        seat=seat.seat,
        state=seat.state.value,
        agent=agent.agent_id if agent else None,
        agent_name=agent.name if agent else None,
        skills=tuple(sorted(agent.skills)) if agent else (),
        since=seat.since,
        pause_reason=seat.pause_reason,
        pending_pause=seat.pending_pause,
        reachable=seat.reachable,
        open=open or callback,
        callback=callback,
        call_id=seat.call_id,
        wrapup_until=seat.wrapup_until,
    )


def queue_entry(
    call: CallRecord, now: float, position: int | None, explanation: str
) -> QueueEntryView:
    return QueueEntryView(
        call_id=call.call_id,
        number=call.number,
        skill=call.skill.value,
        priority=call.priority.value if call.priority else None,
        waited=call.waited(now),
        position=position,
        ringing_at=call.seat,
        explanation=explanation,
    )
