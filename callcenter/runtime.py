"""The running system's parts, built once by the composition root and shared by routers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callcenter.bus import EventBus
from callcenter.clock import Clock, SystemClock
from callcenter.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    bus: EventBus
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock = field(default_factory=SystemClock)
    # Filled in by the composition root when those parts run (typed loosely here to
    # keep callcenter/ free of imports from the domain packages).
    live: Any = None  # callcenter.live.LiveState
    acd: Any = None  # acd.service.AcdService
    ami: Any = None  # acd.ami.AmiLink
    extras: dict[str, Any] = field(default_factory=dict)
