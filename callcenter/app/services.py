"""Starts the domain services beside the ACD: callback dialer, crisis escalation, referrals.

Each service is a bus subscriber plus its own background loop; the composition
root (``System``) calls ``start_services`` once the ACD exists and
``stop_services`` on shutdown. None of them sits on the hot path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from acd.ami import AmiLink
from acd.callback.dialer import CallbackService
from acd.callback.policy import CallbackPolicy
from acd.callback.queries import callbacks_owed
from acd.policy import flag_priority
from acd.service import AcdService
from callcenter.app.failover import when_active
from callcenter.app.fallback import FallbackKeeper
from callcenter.app.fallback_import import ImportContext
from callcenter.app.parts import CALLBACKS, FALLBACK
from callcenter.app.recorder import Recorder
from callcenter.kernel.bus import DomainEvent
from callcenter.kernel.runtime import Runtime
from callcenter.kernel.settings import Settings
from crisis.deps import CRISIS_CONFIG
from crisis.service import CrisisService
from workorders.deps import PENDING_CALLBACKS
from workorders.lookup import work_order_for_call
from workorders.referrals.service import escalate_overdue

log = logging.getLogger(__name__)

REFERRAL_CHECK_SECONDS = 60.0
# How long the database-bound subscribers (recorder, crisis, callbacks) let a fresh event
# lie: the AMI events that follow a routing decision come within milliseconds, and the
# routing should not wait behind a transaction meanwhile; the recorder also takes
# whatever came in that time in the same transaction.
BACKGROUND_SETTLE_SECONDS = 0.05


# The task that loads what start-up leaves to the background (``System.warmed_up``).
WARM_UP_TASK = "crisis-warm"


def callback_policy(settings: Settings) -> CallbackPolicy:
    quiet_start, quiet_end = settings.quiet_window
    delays = tuple(timedelta(seconds=seconds) for seconds in settings.callback_delays)
    return CallbackPolicy(delays=delays, quiet_start=quiet_start, quiet_end=quiet_end)


async def start_services(
    runtime: Runtime,
    acd: AcdService | None,
    link: AmiLink | None,
    *,
    recorder: Recorder | None = None,
) -> list[asyncio.Task[None]]:
    """Start the services; the callback dialer only where this process runs the ACD.
    ``recorder``: the one writing the calls, which then also writes crisis's record of
    each call's arrival and the callback an answered call cancels (in its transactions,
    not one more per call)."""
    settings = runtime.settings
    crisis = CrisisService(
        sessions=runtime.sessions,
        bus=runtime.bus,
        clock=runtime.clock,
        ami=link,
        record_arrivals=recorder is None,
    )
    runtime.provide(CRISIS_CONFIG, crisis.intake_config)
    runtime.provide(PENDING_CALLBACKS, pending_callbacks)
    runtime.bus.subscribe(
        "crisis", crisis.on_event, settle=BACKGROUND_SETTLE_SECONDS, wants=crisis.wants
    )
    flagged: dict[str, bool] = {}  # number → a crisis flag
    with contextlib.suppress(Exception):  # the database may be down at start: no flags yet
        flagged = await crisis.crisis_flags()
    # The segmenter's dictionary (about a second, once per process) loads in a thread
    # beside start-up instead of delaying it; a case that comes first waits for it (in
    # a thread, never on the loop), and the short GIL slice of the serving loop
    # (callcenter.app.event_loop) keeps the routing responsive meanwhile.
    tasks = [
        asyncio.create_task(crisis.warm(), name=WARM_UP_TASK),
        _forever("crisis", crisis.run_workers),
        _forever("referrals", lambda: _referrals(runtime)),
    ]
    if acd is not None and link is not None:
        for number, crisis_flag in flagged.items():
            acd.core.set_caller_priority(number, flag_priority(crisis_flag))
        runtime.bus.observe(lambda event: _remember_flag(flagged, event))
        callbacks = CallbackService(
            sessions=runtime.sessions,
            bus=runtime.bus,
            clock=runtime.clock,
            ami=link,
            policy=callback_policy(settings),
            callback_seat=settings.callback_seat,
            hotline_number=settings.hotline_number,
            zone=settings.zone,
            agent_available=lambda: _seat_available(acd, settings.callback_seat),
            find_order=work_order_for_call,
            is_high_risk=lambda number: flagged.get(number, False),
            dialer_id=dialer_id(settings),
            answers_recorded=recorder is not None,
        )
        if recorder is not None:
            recorder.also_write(callbacks.intake.record_answered)
        runtime.provide(CALLBACKS, callbacks)
        seat = settings.callback_seat
        runtime.bus.subscribe(
            "callbacks",
            _poking(callbacks, seat),
            settle=BACKGROUND_SETTLE_SECONDS,
            wants=lambda event: callbacks.intake.wants(event) or _seat_freed(event, seat),
        )
        acd.on_ami_event(callbacks.ami_listener)
        tasks.append(_forever("callback-dialer", when_active(acd, link, callbacks.run)))
        keeper = FallbackKeeper(
            sessions=runtime.sessions,
            settings=settings,
            acd=acd,
            link=link,
            clock=runtime.clock,
            context=ImportContext(
                hotline=settings.hotline_id,
                zone=settings.zone,
                policy=callback_policy(settings),
                agent_at=lambda seat: _agent_at(acd, seat),
                is_high_risk=lambda number: flagged.get(number, False),
                bus=runtime.bus,
            ),
            on_callbacks=lambda: asyncio.ensure_future(callbacks.poke()),
        )
        runtime.provide(FALLBACK, keeper)
        runtime.bus.observe(keeper.on_seat_event)
        tasks.append(_forever("fallback", keeper.run))
    return tasks


def dialer_id(settings: Settings) -> str:
    """Whose unfinished callback attempts a starting dialer resolves.

    Without ``ha``: stable across restarts of this host's process, distinct between
    hosts. With ``ha`` the lease lets one dialer run per hotline, so the one that
    takes over owns every attempt the last active left ringing.
    """
    if settings.ha:
        return f"callback-{settings.hotline_id}"
    return f"callback-{socket.gethostname()}"


async def pending_callbacks(
    session: AsyncSession, number: str, at: datetime
) -> list[dict[str, Any]]:
    """For the screen pop: the callbacks this caller was owed when the call came in.

    Read as of the call's arrival, so one the answered call itself just cancelled
    still shows: the agent should know the hotline had been trying to reach them.
    """
    owed = await callbacks_owed(session, number, at=at)
    return [
        {
            "id": task.id,
            "status": task.status,
            "misses": task.miss_count,
            "first_missed_at": task.first_missed_at.isoformat(),
            "attempts": task.attempts,
        }
        for task in owed
    ]


async def stop_services(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _remember_flag(flagged: dict[str, bool], event: DomainEvent) -> None:
    if event.kind == "CallerFlagged":
        flagged[getattr(event, "number", "")] = bool(getattr(event, "crisis", True))


def _agent_at(acd: AcdService, seat: str) -> str | None:
    for view in acd.core.seats_view(acd.now()):
        if view.seat == seat:
            return view.agent
    return None


def _seat_available(acd: AcdService, seat: str) -> bool:
    for view in acd.core.seats_view(acd._now()):
        if view.seat == seat:
            return view.state == "available" and view.reachable
    return False


def _poking(callbacks: CallbackService, seat: str) -> Callable[[DomainEvent], Awaitable[None]]:
    """The dialer's bus subscriber, which also wakes it when the callback seat frees up."""

    async def handle(event: DomainEvent) -> None:
        await callbacks.on_event(event)
        if _seat_freed(event, seat):
            await callbacks.poke()

    return handle


def _seat_freed(event: DomainEvent, seat: str) -> bool:
    return (
        event.kind == "SeatStateChanged"
        and getattr(event, "seat", None) == seat
        and getattr(event, "new_state", "") == "available"
    )


async def _referrals(runtime: Runtime) -> None:
    """Supervision alerts (督办) for referrals past a deadline, checked every minute."""
    while True:
        async with runtime.sessions() as session, session.begin():
            raised = await escalate_overdue(session, runtime.clock.now(), runtime.bus)
        if raised:
            log.info("%d referral deadlines missed; sites reminded", len(raised))
        await asyncio.sleep(REFERRAL_CHECK_SECONDS)


def _forever(name: str, work: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
    """A background loop that logs and restarts after a failure instead of dying silently."""

    async def guarded() -> None:
        while True:
            try:
                await work()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s loop failed; restarting in 5 s", name)
                await asyncio.sleep(5)

    return asyncio.create_task(guarded(), name=name)
