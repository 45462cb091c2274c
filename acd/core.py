"""The ACD's functional core: call events and agent commands in, routing commands out.

No I/O and no clock: every entry point takes ``now`` (epoch seconds), applies its
input (an agent command that is not allowed raises ``SeatError`` before anything
changes), fires the deadlines due by then, routes every caller a free seat can
take, and returns the commands (connect, overflow, publish, wake me at).
Seat states change only through ``seats.state.transition``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from acd.calls import CallBook
from acd.commands import Command, ConnectToSeat, Publish, SendToOverflow, WakeAt
from acd.deadlines import Deadline, DeadlineKind, Deadlines
from acd.events import (
    CallArrived,
    CallbackOffered,
    CallConnected,
    CallEnded,
    CallMissed,
    CallRecovered,
    CallRouted,
    CallWaiting,
    MissReason,
    SeatFailed,
    SeatReachability,
    SeatRinging,
)
from acd.explain import WaitExplainer
from acd.misses import CallersInMenu, hang_up_reason, missed_call
from acd.policy import CallerPriority, RoutingPolicy
from acd.routing import plan_routes
from acd.views import QueueEntryView, SeatView, queue_entry, seat_view
from acd.waiting import CallRecord
from callcenter.kernel.bus import DomainEvent
from seats.agents import Agent
from seats.events import SurgeChanged, instant
from seats.state import (
    Answer,
    CallFinished,
    HighRiskNoted,
    Login,
    Logout,
    Offer,
    Pause,
    PauseReason,
    Reachability,
    Resume,
    RingCancelled,
    RingFailed,
    Seat,
    SeatError,
    SeatState,
    Trigger,
    WrapupEnded,
    pause_alert,
    transition,
)
from seats.surge import SurgeState, open_seats

__all__ = ["AcdCore", "SeatError"]

_BUSY = (SeatState.RINGING, SeatState.ON_CALL, SeatState.WRAP_UP)


class AcdCore:
    """The routing state of one hotline: seats, waiting callers, pending deadlines.

    Every method that takes ``now`` returns the commands for the shell to carry out,
    in order; the last one is a ``WakeAt`` for the earliest pending deadline, if any.
    """

    def __init__(
        self,
        policy: RoutingPolicy,
        *,
        seats: Sequence[str],
        normal_seats: int = 8,
        callback_seat: str = "8099",
    ) -> None:
        self.policy = policy
        self.callback_seat = callback_seat
        self._rotation = [seat for seat in seats if seat != callback_seat]
        self._normal_seats = normal_seats
        self._seats = {seat: Seat(seat) for seat in [*self._rotation, callback_seat]}
        self.surge = SurgeState()
        self._open = open_seats(self._rotation, normal_seats, self.surge)
        self._closing: set[str] = set()  # extra seats to close when their work ends
        self._calls = CallBook(policy)
        self._deadlines = Deadlines()
        self._in_menu = CallersInMenu()

    # -- call events -------------------------------------------------------------
    def handle(self, event: DomainEvent, now: float) -> list[Command]:
        """Apply a call event from the tracker; events for unknown calls change nothing."""
        out: list[Command] = []
        match event:
            case CallArrived(call_id=call_id, caller_number=number) if call_id:
                if self._calls.get(call_id) is None:
                    self._in_menu.arrive(call_id, number, now)
            case CallWaiting():
                self._in_menu.reached_queue(event.call_id or "")
                self._on_waiting(event, now, out)
            case CallRecovered(call_id=call_id, seat=seat, caller_number=number):
                self._adopt(call_id, seat, number, now, out)
            case SeatRinging(call_id=call_id, seat=seat):
                call = self._calls.get(call_id)
                if call and call.seat == seat and not call.connected:
                    self._arm_ring_guard(call, now)
            case SeatFailed(call_id=call_id, seat=seat):
                call = self._calls.get(call_id)
                if call and call.seat == seat and not call.connected:
                    self._ring_failed(call, now, out)
            case CallConnected(call_id=call_id, seat=seat):
                call = self._calls.get(call_id)
                if call and call.seat == seat and not call.connected:
                    call.connected = True
                    self._apply(seat, Answer(call.call_id), now, out)
            case CallEnded(call_id=call_id, estimated=estimated):
                self._on_ended(call_id or "", now, out, dropped=estimated)
            case CallbackOffered(call_id=call_id, reason=reason):
                call = self._calls.get(call_id)
                if call and call.seat is None:  # overflowed by someone else: still one miss
                    missed = MissReason.CLOSED if reason == "closed" else MissReason.OVERFLOW
                    self._calls.forget(call)
                    out.append(Publish(self._missed(call, missed, now)))
            case SeatReachability(seat=seat, reachable=reachable) if seat in self._seats:
                self._apply(seat, Reachability(reachable), now, out)
        return self._finish(now, out)

    def tick(self, now: float) -> list[Command]:
        """Fire the deadlines due by ``now``; early or repeated ticks are harmless."""
        return self._finish(now, [])

    # -- agent and supervisor commands -------------------------------------------
    def login(self, agent: Agent, seat: str, now: float) -> list[Command]:
        self._known(seat)
        if seat != self.callback_seat and seat not in self._open:
            raise SeatError(f"seat {seat} is closed: surge capacity is off")
        elsewhere = self.seat_of_agent(agent.agent_id)
        if elsewhere is not None:
            raise SeatError(f"agent {agent.agent_id} is already logged in at seat {elsewhere}")
        return self._seat_command(seat, Login(agent), now)

    def logout(self, seat: str, now: float, *, forced_by: str | None = None) -> list[Command]:
        reason = "forced_logout" if forced_by else "logout"
        return self._seat_command(seat, Logout(reason, forced_by), now)

    def pause(
        self, seat: str, reason: PauseReason | str, now: float, *, forced_by: str | None = None
    ) -> list[Command]:
        text = str(reason).strip()
        if not text:
            raise SeatError("a pause needs a reason", 422)
        return self._seat_command(seat, Pause(text, forced_by), now)

    def resume(self, seat: str, now: float) -> list[Command]:
        return self._seat_command(seat, Resume(), now)

    def wrapup_done(self, seat: str, now: float) -> list[Command]:
        return self._seat_command(seat, WrapupEnded("wrapup_done"), now)

    def set_surge(self, on: bool, reason: str, now: float) -> list[Command]:
        if on and not reason.strip():
            raise SeatError("surge needs a reason (the campaign work orders are tagged with)", 422)
        out: list[Command] = []
        if on:
            since = self.surge.since if self.surge.on else now
            self.surge = SurgeState(True, reason.strip(), since)
            self._closing.clear()
        else:
            self.surge = SurgeState(False, "", now)
        self._open = open_seats(self._rotation, self._normal_seats, self.surge)
        for seat in self._rotation:
            if seat not in self._open and self._seats[seat].logged_in:
                self._closing.add(seat)
                self._close_if_idle(seat, now, out)
        campaign = self.surge.reason or reason
        changed = SurgeChanged(at=instant(now), on=on, reason=campaign, open_seats=len(self._open),
                               timestamp=now)  # fmt: skip
        out.append(Publish(changed))
        return self._finish(now, out)

    def restore(
        self, saved: Iterable[tuple[str, Agent, str | None]], surge: SurgeState, now: float
    ) -> None:
        """The seats' agents and pauses as saved before a restart, without events:
        for the agents nothing changed. Call before the first call event."""
        self.surge = surge
        self._open = open_seats(self._rotation, self._normal_seats, surge)
        for name, agent, pause in saved:
            if name in self._seats and not self._seats[name].logged_in:
                seat, _ = transition(self._seats[name], Login(agent), now)
                if pause:
                    seat, _ = transition(seat, Pause(pause), now)
                self._seats[name] = seat

    def set_caller_priority(self, number: str, reason: CallerPriority | None) -> None:
        """Give a number priority (or take it away), also for a caller waiting now.

        A waiting caller flagged as crisis gets a widening deadline: call ``tick(now)``
        afterwards so the shell learns the new wake-up time.
        """
        for call in self._calls.set_priority(number, reason):
            self._widen_later(call)

    def mark_high_risk(self, call_id: str) -> None:
        """The agent flagged the call high-risk: longer wrap-up, counts toward a debrief."""
        call = self._calls.get(call_id)
        if call is not None:
            call.high_risk = True
            return
        for seat in self._seats.values():
            if seat.call_id == call_id and seat.state is SeatState.WRAP_UP:
                until = seat.since + self.policy.wrapup_high_risk_seconds
                noted = HighRiskNoted(until, self.policy.debrief_after_high_risk)
                self._seats[seat.seat], _ = transition(seat, noted, seat.since)
                self._deadlines.add(until, DeadlineKind.WRAP_UP, seat.seat)

    def seat_of_agent(self, agent_id: str) -> str | None:
        for seat in self._seats.values():
            if seat.agent_id == agent_id:
                return seat.seat
        return None

    # -- read models ---------------------------------------------------------------
    def seats_view(self, now: float) -> list[SeatView]:
        return [
            seat_view(seat, open=name in self._open, callback=name == self.callback_seat)
            for name, seat in self._seats.items()
        ]

    def queue_view(self, now: float) -> list[QueueEntryView]:
        explainer = WaitExplainer(self._seats.values(), self._open, self.policy)
        views = [
            queue_entry(call, now, position, explainer.explain(call, position - 1, now))
            for position, call in enumerate(self._calls.waiting, start=1)
        ]
        for call in self._calls.routed():
            views.append(queue_entry(call, now, None, self._explain_routed(call)))
        return views

    def explain(self, call_id: str, now: float) -> str | None:
        call = self._calls.get(call_id)
        if call is None:
            return None
        if call.seat is not None:
            return self._explain_routed(call)
        explainer = WaitExplainer(self._seats.values(), self._open, self.policy)
        return explainer.explain(call, (self._calls.waiting.position(call_id) or 1) - 1, now)

    def _explain_routed(self, call: CallRecord) -> str:
        where = "connected to" if call.connected else "ringing at"
        return f"{where} {call.seat}: {call.explanation}"

    # -- internals: calls ----------------------------------------------------------
    def _on_waiting(self, event: CallWaiting, now: float, out: list[Command]) -> None:
        call_id = event.call_id or event.wait_channel
        known = self._calls.get(call_id)
        if known is not None:  # the dialplan re-announces a caller after a failed ring
            known.wait_channel = event.wait_channel or known.wait_channel
            return
        if self._calls.finished(call_id):  # e.g. re-announced after we sent it to overflow
            return
        call = self._calls.new(event, call_id, now)
        refusal = self._refusal(now)
        if refusal is not None:
            self._calls.forget(call)
            out.append(SendToOverflow(call_id, call.wait_channel, refusal))
            out.append(Publish(self._missed(call, refusal, now)))
            return
        self._calls.admit(call)
        self._deadlines.add(now + self.policy.max_wait, DeadlineKind.MAX_WAIT, call_id, call.seq)
        self._widen_later(call)

    def _adopt(
        self, call_id: str | None, seat: str, number: str, now: float, out: list[Command]
    ) -> None:
        """A call already ringing or talking at a seat when this ACD started: the seat is
        busy with it (when its agent is back and free), and its end is recorded."""
        if not call_id or self._calls.get(call_id) or self._calls.finished(call_id):
            return
        if seat not in self._seats or self._seats[seat].state is not SeatState.AVAILABLE:
            return
        number = self._in_menu.reached_queue(call_id) or number
        self._calls.adopt(call_id, number, seat, now)
        self._apply(seat, Offer(call_id), now, out)

    def _refusal(self, now: float) -> MissReason | None:
        if not self.policy.is_open(now):
            return MissReason.CLOSED
        if not any(self._seats[seat].logged_in for seat in self._rotation):
            return MissReason.ALL_BUSY
        if len(self._calls.waiting) >= self.policy.max_queue:
            return MissReason.OVERFLOW
        return None

    def _widen_later(self, call: CallRecord) -> None:
        if call.crisis:
            at = call.waiting_since + self.policy.crisis_widen_after
            self._deadlines.add(at, DeadlineKind.WIDEN, call.call_id, call.seq)

    def _on_ended(self, call_id: str, now: float, out: list[Command], *, dropped: bool) -> None:
        """``dropped``: the call was found gone by a resync, not seen hanging up."""
        call = self._calls.get(call_id)
        if call is None:
            missed = self._in_menu.hung_up(call_id, now, self.policy)
            if missed is not None:
                out.append(
                    Publish(replace(missed, reason=MissReason.DROPPED) if dropped else missed)
                )
            return
        self._calls.forget(call)
        if call.connected and call.seat is not None:
            seconds = (
                self.policy.wrapup_high_risk_seconds
                if call.high_risk
                else self.policy.wrapup_seconds
            )
            finished = CallFinished(
                now + seconds, call.high_risk, self.policy.debrief_after_high_risk
            )
            self._apply(call.seat, finished, now, out)
            if self._seats[call.seat].state is SeatState.WRAP_UP:
                self._deadlines.add(now + seconds, DeadlineKind.WRAP_UP, call.seat)
            return
        if call.seat is not None:
            self._apply(call.seat, RingCancelled(), now, out)
        reason = MissReason.DROPPED if dropped else hang_up_reason(call.waited(now), self.policy)
        out.append(Publish(self._missed(call, reason, now)))

    def _ring_failed(self, call: CallRecord, now: float, out: list[Command]) -> None:
        seat = call.seat
        assert seat is not None
        call.seat, call.ring_deadline, call.explanation = None, None, ""
        call.skipped.add(seat)
        self._apply(seat, RingFailed(self.policy.no_answer_pause_after), now, out)
        if call.waited(now) >= self.policy.max_wait:
            self._overflow(call, now, out)
        else:
            self._calls.waiting.add(call)

    def _overflow(self, call: CallRecord, now: float, out: list[Command]) -> None:
        self._calls.forget(call)
        out.append(SendToOverflow(call.call_id, call.wait_channel, MissReason.OVERFLOW))
        out.append(Publish(self._missed(call, MissReason.OVERFLOW, now)))

    def _missed(self, call: CallRecord, reason: MissReason, now: float) -> CallMissed:
        return missed_call(call.call_id, call.number, reason, call.waited(now), now)

    def _arm_ring_guard(self, call: CallRecord, now: float) -> None:
        call.ring_deadline = now + self.policy.ring_timeout + self.policy.ring_grace
        self._deadlines.add(call.ring_deadline, DeadlineKind.RING_GUARD, call.call_id, call.seq)

    # -- internals: routing ----------------------------------------------------------
    def _route(self, now: float, out: list[Command]) -> None:
        free = [
            seat
            for name in self._rotation
            if (seat := self._seats[name]).state is SeatState.AVAILABLE
            and seat.reachable
            and name in self._open
            and name not in self._closing
        ]
        if not free or not self._calls.waiting:
            return
        for route in plan_routes(self._calls.waiting, free, now, self.policy):
            call = route.call
            call.seat, call.explanation = route.seat, route.explanation
            self._apply(route.seat, Offer(call.call_id), now, out)
            self._arm_ring_guard(call, now)
            out.append(
                ConnectToSeat(call.call_id, call.wait_channel, route.seat, route.explanation)
            )
            routed = CallRouted(
                call_id=call.call_id,
                at=instant(now),
                seat=route.seat,
                explanation=route.explanation,
            )
            out.append(Publish(routed))

    # -- internals: seats --------------------------------------------------------------
    def _apply(self, name: str, trigger: Trigger, now: float, out: list[Command]) -> None:
        before = self._seats[name]
        after, changes = transition(before, trigger, now)
        self._seats[name] = after
        out.extend(Publish(change) for change in changes)
        if (
            not isinstance(trigger, Pause)
            and after.state is SeatState.PAUSED
            and after.pause_reason != before.pause_reason
            and after.pause_reason in (PauseReason.NO_ANSWER, PauseReason.DEBRIEF)
        ):
            alert = pause_alert(after, self.policy.debrief_after_high_risk, now)
            out.append(Publish(alert))
        if name in self._closing:
            self._close_if_idle(name, now, out)

    def _close_if_idle(self, name: str, now: float, out: list[Command]) -> None:
        seat = self._seats[name]
        if seat.state in _BUSY:
            return
        self._closing.discard(name)
        if seat.logged_in:
            self._apply(name, Logout("surge_off"), now, out)

    def _known(self, seat: str) -> None:
        if seat not in self._seats:
            raise SeatError(f"unknown seat {seat}", 404)

    def _seat_command(self, seat: str, trigger: Trigger, now: float) -> list[Command]:
        self._known(seat)
        out: list[Command] = []
        self._apply(seat, trigger, now, out)
        return self._finish(now, out)

    # -- internals: time -----------------------------------------------------------
    def _fire_due(self, now: float, out: list[Command]) -> None:
        for deadline in self._deadlines.due(now, self._applies):
            match deadline.kind:
                case DeadlineKind.MAX_WAIT:
                    call = self._calls.get(deadline.key)
                    if call and call.seat is None:  # ringing: overflows if the ring fails
                        self._overflow(call, now, out)
                case DeadlineKind.RING_GUARD:
                    if call := self._calls.get(deadline.key):
                        self._ring_failed(call, now, out)
                case DeadlineKind.WRAP_UP:
                    self._apply(deadline.key, WrapupEnded("wrapup_timeout"), now, out)
                case DeadlineKind.WIDEN:
                    pass  # routing below sees the wider need

    def _applies(self, deadline: Deadline) -> bool:
        """Whether a deadline still matters; once False it must stay False (lazy deletion)."""
        if deadline.kind is DeadlineKind.WRAP_UP:
            seat = self._seats[deadline.key]
            return seat.state is SeatState.WRAP_UP and seat.wrapup_until == deadline.at
        call = self._calls.get(deadline.key)
        if call is None or call.seq != deadline.token or call.connected:
            return False
        if deadline.kind is DeadlineKind.RING_GUARD:
            return call.ring_deadline == deadline.at
        return deadline.kind is DeadlineKind.MAX_WAIT or call.crisis

    def _finish(self, now: float, out: list[Command]) -> list[Command]:
        """After the input: fire what fell due by ``now``, route, and say when to wake."""
        self._fire_due(now, out)
        self._route(now, out)
        wake = self._deadlines.next_at(self._applies)
        if wake is not None:
            out.append(WakeAt(wake))
        return out
