"""The running system's shared parts, built once by the composition root.

The kernel's own parts are typed fields. The domain services (the ACD, the
crisis service, the callback dialer ...) sit in typed slots that their own
packages declare, so this module never imports a domain package:

A domain package declares what its routers need as a ``Slot`` in its own
``deps.py`` (``CRISIS_CONFIG = Slot[IntakeConfig]("crisis rules")``); its
routers take ``Annotated[IntakeConfig, Depends(CRISIS_CONFIG)]``; the
application floor fills it once with ``runtime.provide(CRISIS_CONFIG, config)``.
The slot object itself is the key, so there are no string keys to misspell,
and mypy checks both ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar, cast

from fastapi import HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callcenter.kernel.bus import EventBus
from callcenter.kernel.clock import Clock, SystemClock
from callcenter.kernel.live import LiveState, MemoryLive
from callcenter.kernel.settings import Settings

T = TypeVar("T")
# Covariant: a slot only ever hands its value out (``provide`` takes its own T).
T_co = TypeVar("T_co", covariant=True)


class Slot(Generic[T_co]):
    """One part a router needs; a FastAPI dependency that returns it.

    An empty slot answers 503 (the part does not run in this process: an API
    worker without the ACD, say), unless it was declared with a ``default``
    factory for a part a router can build for itself.
    """

    def __init__(self, name: str, *, default: Callable[[], T_co] | None = None) -> None:
        self.name = name
        self.default = default

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"

    def __call__(self, request: Request) -> T_co:
        runtime: Runtime = request.app.state.runtime
        return runtime.get(self)


class EmptySlot(HTTPException):
    def __init__(self, slot: Slot[object]) -> None:
        super().__init__(503, f"the {slot.name} does not run in this process")


@dataclass
class Runtime:
    settings: Settings
    bus: EventBus
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock = field(default_factory=SystemClock)
    live: LiveState = field(default_factory=MemoryLive)
    _parts: dict[Slot[object], object] = field(default_factory=dict, repr=False)

    def provide(self, slot: Slot[T], value: T) -> None:
        self._parts[slot] = value

    def withdraw(self, slot: Slot[object]) -> None:
        self._parts.pop(slot, None)

    def get(self, slot: Slot[T]) -> T:
        """The slot's part; its default when none was provided; else 503."""
        if slot in self._parts:
            return cast(T, self._parts[slot])
        if slot.default is not None:
            return slot.default()
        raise EmptySlot(slot)

    def find(self, slot: Slot[T]) -> T | None:
        """The slot's part, or None: for code that can do without it."""
        if slot in self._parts:
            return cast(T, self._parts[slot])
        return None
