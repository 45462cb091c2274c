"""The composition root: builds the running system from Settings and tears it down.

``System`` owns the order of things: database (and migrations), bus, live state,
recorder, then the AMI link and the ACD. The HTTP app is built over
``system.runtime`` (``callcenter.app.create_app``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from acd.ami import AmiConfig, AmiLink
from acd.core import AcdCore
from acd.policy import RoutingPolicy
from acd.records import call_history
from acd.seat_control import AcdSeatControl
from acd.service import AcdService
from acd.tracker import CallTracker
from callcenter.app.failover import Failover
from callcenter.app.meters import HotlineMetrics
from callcenter.app.metrics import publish_forever
from callcenter.app.parts import ACD, AMI_LINK, FAILOVER, METRICS, RECORDER
from callcenter.app.reactions import connect_acd_reactions
from callcenter.app.recorder import Recorder
from callcenter.app.services import WARM_UP_TASK, start_services, stop_services
from callcenter.kernel.bus import DomainEvent, EventBus, event_payload
from callcenter.kernel.clock import Clock, SystemClock
from callcenter.kernel.crypto import Keyring, install
from callcenter.kernel.db import make_engine, make_sessionmaker
from callcenter.kernel.lifecycle import StartStop
from callcenter.kernel.live import make_live
from callcenter.kernel.migrations import upgrade_to_head
from callcenter.kernel.paths import ensure_writable
from callcenter.kernel.phone import mask
from callcenter.kernel.phone import warm as warm_phone_numbers
from callcenter.kernel.runtime import Runtime
from callcenter.kernel.settings import Settings
from crisis.service import record_arrival
from seats.control import SEAT_CONTROL
from seats.staffing.deps import CALL_HISTORY

log = logging.getLogger(__name__)

NUMBER_FIELDS = ("caller_number", "number")


class System(StartStop):
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        with_acd: bool = True,
        migrate: bool = True,
        policy: RoutingPolicy | None = None,
        with_services: bool = True,
    ) -> None:
        self.settings = settings
        self.policy = policy or RoutingPolicy.from_settings(settings)
        self.with_acd = with_acd
        self.migrate = migrate
        # Numbers and notes are sealed with this hotline's keys by the column types.
        install(Keyring.from_settings(settings))
        engine = make_engine(settings.database_url)
        self.runtime = Runtime(
            settings=settings,
            bus=EventBus(),
            engine=engine,
            sessions=make_sessionmaker(engine),
            clock=clock or SystemClock(),
            live=make_live(settings.redis_url, namespace=settings.hotline_id),
        )
        self.with_services = with_services
        self._service_tasks: list[asyncio.Task[None]] = []
        self.recorder: Recorder | None = None
        self.acd: AcdService | None = None
        self.link: AmiLink | None = None
        self.failover: Failover | None = None
        self.meters: HotlineMetrics | None = None

    async def start(self) -> None:
        runtime = self.runtime
        ensure_writable(self.settings.data_dir)
        if self.migrate:
            await upgrade_to_head(runtime.engine)
        # a call's arrival for crisis's repeated-call rule goes with the call's own row:
        # no transaction of its own per call (start_services adds the callbacks' write)
        self.recorder = Recorder(
            runtime.sessions,
            runtime.bus,
            self.settings,
            also=(record_arrival,),
        )
        self.recorder.attach()
        # nobody follows (no browser, no Redis): no payload to build, no task to wake
        runtime.bus.subscribe("live", self._fan_out, wants=lambda _: runtime.live.heard)
        runtime.provide(RECORDER, self.recorder)
        runtime.provide(CALL_HISTORY, call_history)  # the forecast reads the ACD's records
        if self.with_acd:
            self._build_acd()
        if self.with_services:
            self._service_tasks = await start_services(
                self.runtime, self.acd, self.link, recorder=self.recorder
            )
        self.recorder.start()  # its journal's replay, once every write it does is wired
        if self.meters is not None and self.settings.redis_url:
            self._service_tasks.append(
                asyncio.create_task(
                    publish_forever(self.meters.render, runtime.live), name="metrics-publisher"
                )
            )
        runtime.bus.start()
        if self.acd is not None and self.link is not None and self.failover is not None:
            await self.acd.start()
            await self.failover.start()  # seats restored before the first resync routes
            await self.link.start()

    async def warmed_up(self) -> None:
        """Once what start-up loads in the background (the segmenter's dictionary) is in."""
        warming = [task for task in self._service_tasks if task.get_name() == WARM_UP_TASK]
        if warming:  # shielded: a waiter going away does not stop the loading
            await asyncio.wait([asyncio.shield(task) for task in warming])

    def _build_acd(self) -> None:
        settings = self.settings
        warm_phone_numbers()  # not on the first caller's arrival
        core = AcdCore(
            self.policy,
            seats=settings.seat_extensions,
            normal_seats=settings.normal_seats,
            callback_seat=settings.callback_seat,
        )
        tracker = CallTracker(
            dnis={settings.hotline_number},
            seats=[*settings.seat_extensions, settings.callback_seat],
        )
        config = AmiConfig(
            host=settings.ami_host,
            port=settings.ami_port,
            username=settings.ami_username,
            secret=settings.ami_secret,
            action_timeout=settings.ami_action_timeout,
            ping_interval=settings.ami_ping_interval,
        )
        self.link = AmiLink(config)  # it resyncs itself after every login, in event order
        self.acd = AcdService(
            core=core,
            tracker=tracker,
            link=self.link,
            bus=self.runtime.bus,
            live=self.runtime.live,
        )
        self.failover = Failover(
            sessions=self.runtime.sessions, settings=settings, acd=self.acd, link=self.link
        )
        self.runtime.provide(ACD, self.acd)
        self.runtime.provide(FAILOVER, self.failover)
        self.runtime.provide(AMI_LINK, self.link)
        self.meters = HotlineMetrics(
            self.runtime.bus, lambda: self.acd, lambda: self.link, lambda: self.recorder
        )
        self.runtime.bus.observe(self.meters.flow.observe)
        self.acd.on_decision = self.meters.observe_decision
        self.runtime.provide(METRICS, self.meters)
        self.runtime.provide(SEAT_CONTROL, AcdSeatControl(self.acd))
        connect_acd_reactions(self.runtime.bus, self.acd)

    async def _fan_out(self, event: DomainEvent) -> None:
        payload = event_payload(event)
        for key in NUMBER_FIELDS:  # browsers get masked numbers; full ones via the API by role
            if isinstance(payload.get(key), str):
                payload[key] = mask(payload[key])
        await self.runtime.live.broadcast(payload)

    async def stop(self) -> None:
        """Stop routing first (a standby takes over), then the dialer, then log off AMI;
        what the database has not taken by then is journalled, not dropped."""
        if self.failover is not None:
            await self.failover.stop()
        await stop_services(self._service_tasks)
        if self.link is not None:
            await self.link.close()
        if self.acd is not None:
            await self.acd.stop()
        with contextlib.suppress(Exception):
            await self.runtime.bus.stop(drain_timeout=3.0)
        if self.recorder is not None:
            self.recorder.journal_unwritten(self.runtime.bus.take_pending("recorder"))
            await self.recorder.stop()
        await self.runtime.live.close()
        await self.runtime.engine.dispose()
