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
from acd.commands import (
    Command,
    Publish,
    SendToOverflow,
    TakeBack,
    WakeAt,
    one_redirect_per_caller,
)
from acd.deadlines import Deadline, DeadlineKind, Deadlines
from acd.events import (
    CallArrived,
    CallbackOffered,
    CallConnected,
    CallEnded,
    CallMissed,
    CallRecovered,
    CallWaiting,
    MissReason,
    SeatFailed,
    SeatLegEnded,
    SeatPhoneBusy,
    SeatReachability,
    SeatRinging,
    Skill,
)
from acd.explain import WaitExplainer, explain_call, queue_entries
from acd.misses import CallersInMenu, hang_up_reason, missed_call
from acd.policy import CallerPriority, RoutingPolicy
from acd.routing import connect, plan_routes
from acd.seat_board import SeatBoard
from acd.views import QueueEntryView, SeatView
from acd.waiting import CallRecord
from callcenter.kernel.bus import DomainEvent
from seats.agents import Agent
from seats.state import (
    Answer,
    Logout,
    Offer,
    Pause,
    PauseReason,
    Reachability,
    Resume,
    RingCancelled,
    RingFailed,
    SeatError,
    SeatState,
    Trigger,
    WrapupEnded,
)
from seats.surge import SurgeState

__all__ = ["AcdCore", "SeatError"]


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
        self._deadlines = Deadlines()
        self._seats = SeatBoard(
            policy,
            self._deadlines,
            seats=seats,
            normal_seats=normal_seats,
            callback_seat=callback_seat,
        )
        self._calls = CallBook(policy)
        self._in_menu = CallersInMenu()

    @property
    def surge(self) -> SurgeState:
        return self._seats.surge

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
            case SeatRinging(call_id=call_id, seat=seat, channel=channel):
                self._seats.phones.rang(seat, channel)
                call = self._calls.get(call_id)
                if call and call.seat == seat and not call.connected:
                    self._arm_ring_guard(call, now)
            case SeatFailed(call_id=call_id, seat=seat, dial_status=status):
                call = self._calls.get(call_id)
                if call and call.seat == seat and not call.connected:
                    # Only NOANSWER is the agent not answering; a busy or unreachable
                    # phone is not, and never pauses the seat.
                    self._ring_failed(call, now, out, charged=status == "NOANSWER", why=status)
            case SeatLegEnded(call_id=call_id, seat=seat, channel=channel):
                self._seats.leg_ended(seat, channel, now, out)
                self._agent_left(seat, call_id or "", now, out)
            case SeatPhoneBusy(seat=seat, busy=busy):
                self._seats.phones.set_busy(seat, busy)
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
            case SeatReachability(seat=seat, reachable=reachable) if seat in self._seats.seats:
                self._unreachable_while_ringing(seat, reachable, now, out)
                self._apply(seat, Reachability(reachable), now, out)
        return self._finish(now, out)

    def tick(self, now: float) -> list[Command]:
        """Fire the deadlines due by ``now``; early or repeated ticks are harmless."""
        return self._finish(now, [])

    # -- agent and supervisor commands -------------------------------------------
    def login(self, agent: Agent, seat: str, now: float) -> list[Command]:
        out: list[Command] = []
        self._seats.login(agent, seat, now, out)
        return self._finish(now, out)

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
        out: list[Command] = []
        self._seats.set_surge(on, reason, now, out)
        return self._finish(now, out)

    def restore(
        self, saved: Iterable[tuple[str, Agent, str | None]], surge: SurgeState, now: float
    ) -> None:
        """The seats' agents and pauses as saved before a restart, without events:
        for the agents nothing changed. Call before the first call event."""
        self._seats.restore(saved, surge, now)

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
        self._seats.note_high_risk(call_id)

    def seat_of_agent(self, agent_id: str) -> str | None:
        return self._seats.seat_of_agent(agent_id)

    def agent_at(self, seat: str) -> str | None:
        """The agent logged in at ``seat`` (None: nobody, or no such seat)."""
        found = self._seats.seats.get(seat)
        return found.agent_id if found is not None else None

    # -- read models ---------------------------------------------------------------
    def seats_view(self, now: float) -> list[SeatView]:
        return self._seats.views()

    def queue_view(self, now: float) -> list[QueueEntryView]:
        return queue_entries(self._calls, self._explainer(), now)

    def explain(self, call_id: str, now: float) -> str | None:
        return explain_call(self._calls, self._explainer(), call_id, now)

    def _explainer(self) -> WaitExplainer:
        return WaitExplainer(self._seats.seats.values(), self._seats.open, self.policy)

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
        if seat not in self._seats.seats or self._seats[seat].state is not SeatState.AVAILABLE:
            return
        number = self._in_menu.reached_queue(call_id) or number
        self._calls.adopt(call_id, number, seat, now)
        self._apply(seat, Offer(call_id), now, out)

    def _refusal(self, now: float) -> MissReason | None:
        if not self.policy.is_open(now):
            return MissReason.CLOSED
        if not self._seats.anyone_logged_in():
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
            self._seats.caller_left(call.seat, call.call_id, call.high_risk, now, out)
            return
        if call.seat is not None:
            self._apply(call.seat, RingCancelled(), now, out)
        reason = MissReason.DROPPED if dropped else hang_up_reason(call.waited(now), self.policy)
        out.append(Publish(self._missed(call, reason, now)))

    def _agent_left(self, seat: str, call_id: str, now: float, out: list[Command]) -> None:
        """The seat's leg of a connected call is gone: the agent is done with it, even if
        the caller stays on (in a conference with the police, say)."""
        call = self._calls.get(call_id)
        if call is not None and call.connected and call.seat == seat:
            self._seats.finish_call(seat, call_id, call.high_risk, now, out)

    def _unreachable_while_ringing(
        self, seat: str, reachable: bool, now: float, out: list[Command]
    ) -> None:
        """A ringing phone that stopped answering qualify will not answer the caller
        either: take the caller back now instead of at the ring timeout."""
        if reachable or self._seats[seat].state is not SeatState.RINGING:
            return
        call = self._calls.get(self._seats[seat].call_id)
        if call is not None and call.seat == seat and not call.connected:
            self._ring_failed(call, now, out, charged=False, why="unreachable", take_back=True)

    def _ring_failed(
        self,
        call: CallRecord,
        now: float,
        out: list[Command],
        *,
        charged: bool = True,
        why: str = "NOANSWER",
        take_back: bool = False,
    ) -> None:
        """The seat will not take this caller; ``take_back``: Asterisk still rings it."""
        seat = call.seat
        assert seat is not None
        call.seat, call.ring_deadline, call.explanation = None, None, ""
        call.skipped.add(seat)
        if take_back:
            out.append(TakeBack(call.call_id, call.wait_channel))
        trigger = (
            RingFailed(self.policy.no_answer_pause_after)
            if charged
            else RingCancelled(f"phone_{why.lower()}")
        )
        self._apply(seat, trigger, now, out)
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
        free = self._seats.free()
        if not free or not self._calls.waiting:
            return
        staffed = self._seats.staffed(Skill.CRISIS)
        for route in plan_routes(
            self._calls.waiting, free, now, self.policy, crisis_staffed=staffed
        ):
            call = route.call
            call.seat, call.explanation = route.seat, route.explanation
            self._apply(route.seat, Offer(call.call_id), now, out)
            self._arm_ring_guard(call, now)
            out += connect(route, self.policy.ring_timeout, now)

    # -- internals: seats --------------------------------------------------------------
    def _apply(self, name: str, trigger: Trigger, now: float, out: list[Command]) -> None:
        self._seats.apply(name, trigger, now, out)

    def _seat_command(self, seat: str, trigger: Trigger, now: float) -> list[Command]:
        self._seats.known(seat)
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
                        # Asterisk should have ended the ring by now: take the caller back
                        # so that a late answer cannot reach an agent the ACD gave up on.
                        self._ring_failed(call, now, out, take_back=True)
                case DeadlineKind.LEG_WAIT:
                    self._seats.legs_overdue(deadline.key, now, out)
                case DeadlineKind.WRAP_UP:
                    self._apply(deadline.key, WrapupEnded("wrapup_timeout"), now, out)
                case DeadlineKind.WIDEN:
                    pass  # routing below sees the wider need

    def _applies(self, deadline: Deadline) -> bool:
        """Whether a deadline still matters; once False it must stay False (lazy deletion)."""
        if deadline.kind is DeadlineKind.WRAP_UP:
            seat = self._seats[deadline.key]
            return seat.state is SeatState.WRAP_UP and seat.wrapup_until == deadline.at
        if deadline.kind is DeadlineKind.LEG_WAIT:
            return self._seats.phones.waits_until(deadline.key) == deadline.at
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
        out[:] = one_redirect_per_caller(out)
        wake = self._deadlines.next_at(self._applies)
        if wake is not None:
            out.append(WakeAt(wake))
        return out
