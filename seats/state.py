"""The seat state machine: the only code that changes a seat's state.

``transition(seat, trigger, now)`` returns the new seat and one ``SeatStateChanged``
per visible change, or raises ``SeatError`` naming what the seat allows instead.
A seat whose softphone is not registered is ``unreachable``; it remembers the idle
state it returns to (``prior``), and logins, pauses and logouts apply to that.
A seat that loses registration while ringing, on a call or in wrap-up keeps its
state and becomes unreachable the moment that work ends.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from seats.agents import Agent
from seats.events import AgentAlert, AlertKind, SeatStateChanged, instant


class SeatState(StrEnum):
    OFFLINE = "offline"
    AVAILABLE = "available"
    RINGING = "ringing"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"
    UNREACHABLE = "unreachable"


class PauseReason(StrEnum):
    BREAK = "break"
    MEAL = "meal"
    TRAINING = "training"
    SUPERVISION = "supervision"
    NO_ANSWER = "no_answer"  # auto-pause after consecutive unanswered rings
    DEBRIEF = "debrief"  # wellbeing pause after consecutive high-risk calls


IDLE_STATES = frozenset({SeatState.OFFLINE, SeatState.AVAILABLE, SeatState.PAUSED})


class SeatError(Exception):
    """A seat command that is not allowed now; the state is unchanged.

    ``status`` is the HTTP status the API answers with: 409 (wrong state),
    422 (bad input), 404 (unknown seat or agent).
    """

    def __init__(self, reason: str, status: int = 409) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Seat:
    seat: str
    state: SeatState = SeatState.OFFLINE
    since: float = 0.0
    agent: Agent | None = None
    pause_reason: str | None = None
    call_id: str | None = None
    reachable: bool = True
    prior: SeatState | None = None  # where an unreachable seat goes back to
    wrapup_until: float | None = None
    pending_pause: str | None = None  # applied when the current call's work ends
    no_answers: int = 0  # consecutive unanswered rings
    high_risk_streak: int = 0  # consecutive high-risk calls
    high_risk_call: bool = False  # the call in wrap-up was high-risk

    @property
    def agent_id(self) -> str | None:
        return self.agent.agent_id if self.agent else None

    @property
    def logged_in(self) -> bool:
        return self.agent is not None


# -- triggers ------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    agent: Agent


@dataclass(frozen=True)
class Logout:
    reason: str = "logout"
    forced_by: str | None = None


@dataclass(frozen=True)
class Pause:
    reason: str
    forced_by: str | None = None


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class Offer:
    """The ACD sent a caller to this seat: it rings."""

    call_id: str


@dataclass(frozen=True)
class Answer:
    call_id: str


@dataclass(frozen=True)
class RingFailed:
    """The seat did not take the caller; ``pause_after`` consecutive failures pause it."""

    pause_after: int


@dataclass(frozen=True)
class RingCancelled:
    """The ring ended and it was not the agent's fault: the caller hung up or was taken
    away, or the phone refused (busy, unreachable). Never counts as a no-answer."""

    why: str = "ring_cancelled"


@dataclass(frozen=True)
class CallFinished:
    wrapup_until: float
    high_risk: bool
    debrief_after: int


@dataclass(frozen=True)
class HighRiskNoted:
    """The agent flagged the call in wrap-up as high-risk after it ended."""

    wrapup_until: float
    debrief_after: int


@dataclass(frozen=True)
class WrapupEnded:
    reason: str = "wrapup_done"


@dataclass(frozen=True)
class Reachability:
    reachable: bool


Trigger = (
    Login
    | Logout
    | Pause
    | Resume
    | Offer
    | Answer
    | RingFailed
    | RingCancelled
    | CallFinished
    | HighRiskNoted
    | WrapupEnded
    | Reachability
)

ALLOWED: dict[SeatState, tuple[str, ...]] = {
    SeatState.OFFLINE: ("login",),
    SeatState.AVAILABLE: ("ring", "pause", "logout"),
    SeatState.RINGING: ("answer", "ring failed", "ring cancelled"),
    SeatState.ON_CALL: ("call finished", "pause after the call"),
    SeatState.WRAP_UP: ("wrap-up done", "pause", "logout"),
    SeatState.PAUSED: ("resume", "pause with another reason", "logout"),
    SeatState.UNREACHABLE: ("login", "pause", "resume", "logout", "reachable again"),
}


def transition(seat: Seat, trigger: Trigger, now: float) -> tuple[Seat, list[SeatStateChanged]]:
    """Apply ``trigger`` to ``seat`` at ``now``; raise ``SeatError`` if it is not allowed."""
    if isinstance(trigger, Reachability):
        new = _reachability(seat, trigger.reachable, now)
    elif seat.state is SeatState.UNREACHABLE:
        new = _while_unreachable(seat, trigger, now)
    else:
        new = _settle(_next(seat, trigger, now), now)
    return new, _changes(seat, new, trigger, now)


def _next(seat: Seat, trigger: Trigger, now: float) -> Seat:
    state = seat.state
    match trigger:
        case Login(agent=agent) if state is SeatState.OFFLINE:
            return replace(_cleared(seat, SeatState.AVAILABLE, now), agent=agent)
        case Login():
            raise _refused(seat, "log in", f"already used by {seat.agent_id}")
        case Logout() if state in (SeatState.AVAILABLE, SeatState.PAUSED, SeatState.WRAP_UP):
            return replace(_cleared(seat, SeatState.OFFLINE, now), agent=None)
        case Pause(reason=reason) if state in (
            SeatState.AVAILABLE,
            SeatState.PAUSED,
            SeatState.WRAP_UP,
        ):
            return replace(seat, state=SeatState.PAUSED, since=now, pause_reason=reason,
                           call_id=None, wrapup_until=None, pending_pause=None,
                           high_risk_call=False)  # fmt: skip
        case Pause(reason=reason) if state is SeatState.ON_CALL:
            return replace(seat, pending_pause=reason)
        case Resume() if state is SeatState.PAUSED:
            return replace(seat, state=SeatState.AVAILABLE, since=now, pause_reason=None,
                           no_answers=0)  # fmt: skip
        case Resume() if seat.pending_pause and state in (SeatState.ON_CALL, SeatState.WRAP_UP):
            return replace(seat, pending_pause=None)
        case Offer(call_id=call_id) if state is SeatState.AVAILABLE:
            return replace(seat, state=SeatState.RINGING, since=now, call_id=call_id)
        case Answer(call_id=call_id) if state is SeatState.RINGING and call_id == seat.call_id:
            return replace(seat, state=SeatState.ON_CALL, since=now, no_answers=0)
        case RingFailed(pause_after=limit) if state is SeatState.RINGING:
            failures = seat.no_answers + 1
            if failures >= limit:
                return replace(seat, state=SeatState.PAUSED, since=now, call_id=None,
                               pause_reason=PauseReason.NO_ANSWER, no_answers=failures)  # fmt: skip
            return replace(seat, state=SeatState.AVAILABLE, since=now, call_id=None,
                           no_answers=failures)  # fmt: skip
        case RingCancelled() if state is SeatState.RINGING:
            return replace(seat, state=SeatState.AVAILABLE, since=now, call_id=None)
        case CallFinished() if state is SeatState.ON_CALL:
            return _finish_call(seat, trigger, now)
        case HighRiskNoted() if state is SeatState.WRAP_UP and not seat.high_risk_call:
            return _count_high_risk(seat, trigger)
        case WrapupEnded() if state is SeatState.WRAP_UP:
            return _after_work(seat, now)
    raise _refused(seat, _verb(trigger))


def _finish_call(seat: Seat, finished: CallFinished, now: float) -> Seat:
    wrapped = replace(seat, state=SeatState.WRAP_UP, since=now, wrapup_until=finished.wrapup_until,
                      high_risk_streak=0, high_risk_call=False)  # fmt: skip
    if finished.high_risk:
        noted = HighRiskNoted(finished.wrapup_until, finished.debrief_after)
        wrapped = _count_high_risk(replace(wrapped, high_risk_streak=seat.high_risk_streak), noted)
    if finished.wrapup_until <= now:
        return _after_work(wrapped, now)
    return wrapped


def _count_high_risk(seat: Seat, noted: HighRiskNoted) -> Seat:
    """One more high-risk call in a row: longer wrap-up, and a debrief after enough of them."""
    streak = seat.high_risk_streak + 1
    pending = seat.pending_pause
    if streak >= noted.debrief_after:
        pending, streak = PauseReason.DEBRIEF, 0
    until = max(seat.wrapup_until or 0.0, noted.wrapup_until)
    return replace(seat, wrapup_until=until, high_risk_streak=streak, high_risk_call=True,
                   pending_pause=pending)  # fmt: skip


def _after_work(seat: Seat, now: float) -> Seat:
    """Wrap-up is over: a pending pause (the agent's or a debrief) wins over available."""
    base = replace(seat, since=now, call_id=None, wrapup_until=None, pending_pause=None,
                   high_risk_call=False)  # fmt: skip
    if seat.pending_pause:
        return replace(base, state=SeatState.PAUSED, pause_reason=seat.pending_pause)
    return replace(base, state=SeatState.AVAILABLE, pause_reason=None)


def _while_unreachable(seat: Seat, trigger: Trigger, now: float) -> Seat:
    prior = seat.prior or SeatState.OFFLINE
    inner = _next(replace(seat, state=prior), trigger, now)
    if inner.state not in IDLE_STATES:
        raise _refused(seat, _verb(trigger), "its softphone is not registered")
    return replace(inner, state=SeatState.UNREACHABLE, since=seat.since, prior=inner.state)


def _reachability(seat: Seat, reachable: bool, now: float) -> Seat:
    if reachable and seat.state is SeatState.UNREACHABLE:
        return replace(seat, state=seat.prior or SeatState.OFFLINE, since=now, reachable=True,
                       prior=None)  # fmt: skip
    return _settle(replace(seat, reachable=reachable), now)


def _settle(seat: Seat, now: float) -> Seat:
    """An unregistered softphone turns an idle seat unreachable (busy seats wait)."""
    if not seat.reachable and seat.state in IDLE_STATES:
        return replace(seat, state=SeatState.UNREACHABLE, since=now, prior=seat.state)
    return seat


def _cleared(seat: Seat, state: SeatState, now: float) -> Seat:
    return Seat(seat=seat.seat, state=state, since=now, reachable=seat.reachable)


def _changes(old: Seat, new: Seat, trigger: Trigger, now: float) -> list[SeatStateChanged]:
    visible = (old.state, old.agent, old.pause_reason, old.prior)
    if visible == (new.state, new.agent, new.pause_reason, new.prior):
        return []
    return [
        SeatStateChanged(
            call_id=old.call_id or new.call_id,
            at=instant(now),
            seat=new.seat,
            agent_id=new.agent_id or old.agent_id,
            old_state=old.state,
            new_state=new.state,
            reason=_reason(old, new, trigger),
            timestamp=now,
            old_since=old.since,
            pause_reason=new.pause_reason,
            old_pause_reason=old.pause_reason,
            forced_by=getattr(trigger, "forced_by", None),
        )
    ]


def _reason(old: Seat, new: Seat, trigger: Trigger) -> str:
    match trigger:
        case Logout(reason=reason) | Pause(reason=reason) | WrapupEnded(reason=reason):
            base = reason
        case RingFailed() if new.state is SeatState.PAUSED:
            base = "no_answer_pause"
        case RingCancelled(why=why):
            base = why
        case CallFinished() if new.state is not SeatState.WRAP_UP:
            base = "call_ended"
        case Reachability(reachable=reachable):
            base = "reachable" if reachable else "unreachable"
        case _:
            base = _verb(trigger).replace(" ", "_")
    if new.state is SeatState.UNREACHABLE and old.state is not SeatState.UNREACHABLE:
        if not isinstance(trigger, Reachability):
            return f"{base}; unreachable"
    return base


def _verb(trigger: Trigger) -> str:
    return {
        Login: "login",
        Logout: "logout",
        Pause: "pause",
        Resume: "resume",
        Offer: "ring",
        Answer: "answer",
        RingFailed: "ring failed",
        RingCancelled: "ring cancelled",
        CallFinished: "call finished",
        HighRiskNoted: "note high risk",
        WrapupEnded: "wrap-up done",
        Reachability: "reachability",
    }[type(trigger)]


def _refused(seat: Seat, action: str, why: str = "") -> SeatError:
    allowed = ", ".join(ALLOWED[seat.state])
    detail = f" ({why})" if why else ""
    return SeatError(
        f"seat {seat.seat} is {seat.state.value}: cannot {action}{detail}; allowed: {allowed}"
    )


def pause_alert(seat: Seat, debrief_after: int, now: float) -> AgentAlert:
    """The supervisor's alert for an automatic pause (no answer, or a debrief due)."""
    if seat.pause_reason == PauseReason.NO_ANSWER:
        kind = AlertKind.NO_ANSWER_PAUSE
        message = f"seat {seat.seat} did not answer {seat.no_answers} calls in a row and was paused"
    else:
        kind = AlertKind.DEBRIEF_DUE
        message = (
            f"agent at seat {seat.seat} took {debrief_after} high-risk calls in a row "
            "and is paused for a debrief"
        )
    return AgentAlert(
        at=instant(now),
        seat=seat.seat,
        agent_id=seat.agent_id,
        alert=kind,
        message=message,
        timestamp=now,
    )
