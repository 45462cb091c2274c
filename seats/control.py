"""What the seats API asks of whoever runs the seats (the ACD, in the running system).

The seats package owns the seat state machine but not the process that applies
it to live calls; this port lets its routers log agents in, pause and resume
them without importing the distributor. ``SeatError`` carries the refusal.
"""

from __future__ import annotations

from typing import Protocol

from callcenter.kernel.runtime import Slot
from seats.agents import Agent


class SeatControl(Protocol):
    def seat_of_agent(self, agent_id: str) -> str | None: ...

    def login(self, agent: Agent, seat: str) -> None: ...

    def logout(self, seat: str, *, forced_by: str | None = None) -> None: ...

    def pause(self, seat: str, reason: str, *, forced_by: str | None = None) -> None: ...

    def resume(self, seat: str) -> None: ...

    def wrapup_done(self, seat: str) -> None: ...

    def set_surge(self, on: bool, reason: str) -> None: ...


SEAT_CONTROL: Slot[SeatControl] = Slot("ACD (seat control)")
