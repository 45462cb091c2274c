"""The seats API's port (``seats.control.SeatControl``) over the running ACD.

Every command runs against the routing core at once, on the event loop, so a
refusal (``SeatError``) reaches the HTTP caller and the commands it yields
(a caller routed to a seat that just became available) go out immediately.
"""

from __future__ import annotations

from acd.service import AcdService
from seats.agents import Agent


class AcdSeatControl:
    def __init__(self, acd: AcdService) -> None:
        self._acd = acd

    def seat_of_agent(self, agent_id: str) -> str | None:
        return self._acd.core.seat_of_agent(agent_id)

    def login(self, agent: Agent, seat: str) -> None:
        self._acd.command(lambda now: self._acd.core.login(agent, seat, now))

    def logout(self, seat: str, *, forced_by: str | None = None) -> None:
        self._acd.command(lambda now: self._acd.core.logout(seat, now, forced_by=forced_by))

    def pause(self, seat: str, reason: str, *, forced_by: str | None = None) -> None:
        self._acd.command(lambda now: self._acd.core.pause(seat, reason, now, forced_by=forced_by))

    def resume(self, seat: str) -> None:
        self._acd.command(lambda now: self._acd.core.resume(seat, now))

    def wrapup_done(self, seat: str) -> None:
        self._acd.command(lambda now: self._acd.core.wrapup_done(seat, now))

    def set_surge(self, on: bool, reason: str) -> None:
        self._acd.command(lambda now: self._acd.core.set_surge(on, reason, now))
