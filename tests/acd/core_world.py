"""Helpers that drive the ACD core the way the shell and Asterisk would, for core tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar
from zlib import crc32

from acd.commands import Command, ConnectToSeat, Publish, SendToOverflow, WakeAt
from acd.core import AcdCore
from acd.events import (
    CallConnected,
    CallEnded,
    CallWaiting,
    SeatFailed,
    SeatRinging,
    Skill,
)
from acd.policy import RoutingPolicy
from callcenter.kernel.bus import DomainEvent
from seats.agents import Agent

SEATS = [str(n) for n in range(8001, 8021)]
T0 = 1_800_000_000.0  # 2027-01-15, an arbitrary fixed instant

E = TypeVar("E", bound=DomainEvent)


def agent(agent_id: str, *skills: Skill) -> Agent:
    return Agent(agent_id, f"Agent {agent_id}", frozenset(skills))


def make_core(policy: RoutingPolicy | None = None, **kwargs: object) -> AcdCore:
    return AcdCore(policy or RoutingPolicy(), seats=SEATS, **kwargs)  # type: ignore[arg-type]


def waiting(call_id: str, skill: Skill = Skill.GENERAL, number: str = "") -> CallWaiting:
    return CallWaiting(
        call_id=call_id,
        caller_number=number or f"+86138{crc32(call_id.encode()) % 10**8:08d}",
        skill=skill,
        wait_channel=f"PJSIP/trunk-{call_id}",
    )


def ringing(call_id: str, seat: str) -> SeatRinging:
    return SeatRinging(call_id=call_id, seat=seat)


def failed(call_id: str, seat: str, status: str = "NOANSWER") -> SeatFailed:
    return SeatFailed(call_id=call_id, seat=seat, dial_status=status)


def connected(call_id: str, seat: str) -> CallConnected:
    return CallConnected(call_id=call_id, seat=seat)


def ended(call_id: str) -> CallEnded:
    return CallEnded(call_id=call_id)


def connects(commands: Iterable[Command]) -> list[ConnectToSeat]:
    return [c for c in commands if isinstance(c, ConnectToSeat)]


def routed(commands: Iterable[Command]) -> dict[str, str]:
    """call id → seat for every ConnectToSeat."""
    return {c.call_id: c.seat for c in connects(commands)}


def overflows(commands: Iterable[Command]) -> list[SendToOverflow]:
    return [c for c in commands if isinstance(c, SendToOverflow)]


def published(commands: Iterable[Command], kind: type[E]) -> list[E]:
    return [c.event for c in commands if isinstance(c, Publish) and isinstance(c.event, kind)]


def wake(commands: Iterable[Command]) -> float | None:
    times = [c.at for c in commands if isinstance(c, WakeAt)]
    return min(times) if times else None


def answer(core: AcdCore, call_id: str, seat: str, now: float) -> list[Command]:
    """The seat rings and the agent picks up."""
    return core.handle(ringing(call_id, seat), now) + core.handle(connected(call_id, seat), now)


def state_of(core: AcdCore, seat: str, now: float = T0) -> str:
    return next(view.state for view in core.seats_view(now) if view.seat == seat)


def on_duty(core: AcdCore, seat: str = "8008", now: float = T0 - 600) -> None:
    """Someone is logged in but paused, so arrivals queue instead of overflowing ALL_BUSY."""
    core.login(agent(f"duty{seat}"), seat, now)
    core.pause(seat, "training", now)
