"""The seats of one hotline as the routing core sees them: states, surge, phones.

Every state change goes through ``seats.state.transition``; the board adds what
routing needs around it: which seats are open (surge), which close once their
work ends, which phones are free (``acd.seat_phones``), and the supervisor's
alert when a seat pauses itself. Pure and synchronous, like the core that owns it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from acd.commands import Command, Publish
from acd.deadlines import DeadlineKind, Deadlines
from acd.events import Skill
from acd.policy import RoutingPolicy
from acd.seat_phones import SeatPhones
from acd.views import SeatView, seat_view
from seats.agents import Agent, serves
from seats.events import SurgeChanged, instant
from seats.state import (
    CallFinished,
    HighRiskNoted,
    Login,
    Logout,
    Pause,
    PauseReason,
    Seat,
    SeatError,
    SeatState,
    Trigger,
    pause_alert,
    transition,
)
from seats.surge import SurgeState, open_seats

_BUSY = (SeatState.RINGING, SeatState.ON_CALL, SeatState.WRAP_UP)


class SeatBoard:
    def __init__(
        self,
        policy: RoutingPolicy,
        deadlines: Deadlines,
        *,
        seats: Sequence[str],
        normal_seats: int,
        callback_seat: str,
    ) -> None:
        self.policy = policy
        self.callback_seat = callback_seat
        self.rotation = [seat for seat in seats if seat != callback_seat]
        self.seats = {seat: Seat(seat) for seat in [*self.rotation, callback_seat]}
        self.phones = SeatPhones()
        self.surge = SurgeState()
        self._normal_seats = normal_seats
        self._deadlines = deadlines
        self.open = open_seats(self.rotation, normal_seats, self.surge)
        self._closing: set[str] = set()  # extra seats to close when their work ends
        # Agents whose caller hung up while their own leg was still up: the call is over
        # for them only when that leg is gone (it may stay, in a conference).
        self._leaving: dict[str, tuple[str, bool]] = {}  # seat → (call id, high risk)

    def __getitem__(self, name: str) -> Seat:
        return self.seats[name]

    def known(self, seat: str) -> None:
        if seat not in self.seats:
            raise SeatError(f"unknown seat {seat}", 404)

    # -- changes -------------------------------------------------------------------------------

    def apply(self, name: str, trigger: Trigger, now: float, out: list[Command]) -> None:
        before = self.seats[name]
        after, changes = transition(before, trigger, now)
        self.seats[name] = after
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
        if after.state is SeatState.AVAILABLE:
            self._wait_for_legs(name, now)

    def login(self, agent: Agent, seat: str, now: float, out: list[Command]) -> None:
        self.known(seat)
        if seat != self.callback_seat and seat not in self.open:
            raise SeatError(f"seat {seat} is closed: surge capacity is off")
        elsewhere = self.seat_of_agent(agent.agent_id)
        if elsewhere is not None:
            raise SeatError(f"agent {agent.agent_id} is already logged in at seat {elsewhere}")
        self.apply(seat, Login(agent), now, out)

    def finish_call(
        self, seat: str, call_id: str, high_risk: bool, now: float, out: list[Command]
    ) -> None:
        """The agent's part of the call is over (whoever hung up first): wrap-up starts."""
        current = self.seats[seat]
        if current.state is not SeatState.ON_CALL or current.call_id != call_id:
            return
        policy = self.policy
        seconds = policy.wrapup_high_risk_seconds if high_risk else policy.wrapup_seconds
        self.apply(seat, CallFinished(now + seconds, high_risk, policy.debrief_after_high_risk),
                   now, out)  # fmt: skip
        if self.seats[seat].state is SeatState.WRAP_UP:
            self._deadlines.add(now + seconds, DeadlineKind.WRAP_UP, seat)

    def caller_left(
        self, seat: str, call_id: str, high_risk: bool, now: float, out: list[Command]
    ) -> None:
        """The caller of the seat's connected call hung up; the seat's leg may not have."""
        if not self.phones.has_leg(seat):
            self.finish_call(seat, call_id, high_risk, now, out)
            return
        self._leaving[seat] = (call_id, high_risk)
        self._wait_for_legs(seat, now)

    def leg_ended(self, seat: str, channel: str, now: float, out: list[Command]) -> None:
        self.phones.leg_ended(seat, channel)
        leaving = self._leaving.get(seat)
        if leaving is not None and not self.phones.has_leg(seat):
            del self._leaving[seat]
            self.finish_call(seat, *leaving, now, out)

    def legs_overdue(self, seat: str, now: float, out: list[Command]) -> None:
        """No Hangup for the seat's leg by the deadline: still in use, or lost."""
        leaving = self._leaving.get(seat)
        if leaving is not None and seat in self.phones.busy:
            # its device says it is on a call (a conference): wait as long as that lasts
            self._deadlines.add(self.phones.wait_again(seat, now), DeadlineKind.LEG_WAIT, seat)
            return
        self.phones.give_up_waiting(seat)
        if leaving is not None:
            del self._leaving[seat]
            self.finish_call(seat, *leaving, now, out)

    def _wait_for_legs(self, seat: str, now: float) -> None:
        if (at := self.phones.wait_for_legs(seat, now)) is not None:
            self._deadlines.add(at, DeadlineKind.LEG_WAIT, seat)

    def note_high_risk(self, call_id: str) -> None:
        """A call already in wrap-up turned out high-risk: a longer wrap-up."""
        for seat in self.seats.values():
            if seat.call_id == call_id and seat.state is SeatState.WRAP_UP:
                until = seat.since + self.policy.wrapup_high_risk_seconds
                noted = HighRiskNoted(until, self.policy.debrief_after_high_risk)
                self.seats[seat.seat], _ = transition(seat, noted, seat.since)
                self._deadlines.add(until, DeadlineKind.WRAP_UP, seat.seat)

    def set_surge(self, on: bool, reason: str, now: float, out: list[Command]) -> None:
        if on and not reason.strip():
            raise SeatError("surge needs a reason (the campaign work orders are tagged with)", 422)
        if on:
            since = self.surge.since if self.surge.on else now
            self.surge = SurgeState(True, reason.strip(), since)
            self._closing.clear()
        else:
            self.surge = SurgeState(False, "", now)
        self.open = open_seats(self.rotation, self._normal_seats, self.surge)
        for seat in self.rotation:
            if seat not in self.open and self.seats[seat].logged_in:
                self._closing.add(seat)
                self._close_if_idle(seat, now, out)
        campaign = self.surge.reason or reason
        changed = SurgeChanged(at=instant(now), on=on, reason=campaign, open_seats=len(self.open),
                               timestamp=now)  # fmt: skip
        out.append(Publish(changed))

    def restore(
        self, saved: Iterable[tuple[str, Agent, str | None]], surge: SurgeState, now: float
    ) -> None:
        """The agents and pauses saved before a restart, without events (AcdCore.restore)."""
        self.surge = surge
        self.open = open_seats(self.rotation, self._normal_seats, surge)
        for name, agent, pause in saved:
            if name in self.seats and not self.seats[name].logged_in:
                seat, _ = transition(self.seats[name], Login(agent), now)
                if pause:
                    seat, _ = transition(seat, Pause(pause), now)
                self.seats[name] = seat

    def _close_if_idle(self, name: str, now: float, out: list[Command]) -> None:
        seat = self.seats[name]
        if seat.state in _BUSY:
            return
        self._closing.discard(name)
        if seat.logged_in:
            self.apply(name, Logout("surge_off"), now, out)

    # -- questions -----------------------------------------------------------------------------

    def free(self) -> list[Seat]:
        """Seats that may ring now: an available agent, a reachable free phone, open."""
        return [
            seat
            for name in self.rotation
            if (seat := self.seats[name]).state is SeatState.AVAILABLE
            and seat.reachable
            and self.phones.free(name)
            and name in self.open
            and name not in self._closing
        ]

    def staffed(self, skill: Skill) -> bool:
        """Whether an agent who serves ``skill`` is logged in at an open seat."""
        return any(
            (agent := self.seats[name].agent) is not None and serves(agent, skill)
            for name in self.rotation
            if name in self.open
        )

    def anyone_logged_in(self) -> bool:
        return any(self.seats[seat].logged_in for seat in self.rotation)

    def seat_of_agent(self, agent_id: str) -> str | None:
        for seat in self.seats.values():
            if seat.agent_id == agent_id:
                return seat.seat
        return None

    def views(self) -> list[SeatView]:
        return [
            seat_view(seat, open=name in self.open, callback=name == self.callback_seat)
            for name, seat in self.seats.items()
        ]
