"""The demo stack: PBX simulator + AMI listener + ACD + HTTP API in one process.

Used by ``callcenter demo`` and by the end-to-end tests. Everything runs on
embedded defaults: SQLite, in-process live state, the built-in simulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

from acd.events import Skill
from acd.simulator import PbxSimulator
from acd.simulator.scenario import Scenario, load_scenario, run_scenario
from callcenter.app.demo_accounts import DemoAccount, seed_accounts, seed_sites
from callcenter.app.factory import create_app
from callcenter.app.serving import HttpServer, http_server
from callcenter.app.system import System
from callcenter.kernel.lifecycle import StartStop
from callcenter.kernel.settings import Settings
from seats.control import SEAT_CONTROL
from seats.registry import find_agent, save_agent

log = logging.getLogger(__name__)

# Simulated counsellors for the demo: names, and skills spread like a real shift's.
DEMO_AGENTS: list[tuple[str, str, frozenset[Skill]]] = [
    ("a01", "王老师", frozenset({Skill.PSYCHOLOGICAL, Skill.CRISIS, Skill.GENERAL})),
    ("a02", "李老师", frozenset({Skill.PSYCHOLOGICAL, Skill.GENERAL})),
    ("a03", "张律师", frozenset({Skill.LEGAL, Skill.GENERAL})),
    ("a04", "刘老师", frozenset({Skill.PSYCHOLOGICAL, Skill.CRISIS, Skill.GENERAL})),
    ("a05", "陈志愿者", frozenset({Skill.GENERAL, Skill.PSYCHOLOGICAL})),
    ("a06", "杨律师", frozenset({Skill.LEGAL, Skill.GENERAL})),
    ("a07", "赵老师", frozenset({Skill.PSYCHOLOGICAL, Skill.GENERAL})),
    ("a08", "黄志愿者", frozenset({Skill.GENERAL, Skill.PSYCHOLOGICAL, Skill.LEGAL})),
    ("cb1", "回拨专席", frozenset({Skill.GENERAL})),
]


@dataclass
class DemoOptions:
    http_port: int = 8000
    http_host: str = "127.0.0.1"
    database_url: str = "sqlite+aiosqlite:///./var/demo.sqlite3"
    data_dir: Path | None = None  # default: the SQLite file's folder, else ./var
    scenario: str = "demo"
    time_scale: float = 1.0
    wrapup_seconds: float = 10.0
    seats: int = 8
    login_agents: bool = True
    # Weeks of synthetic call history and a 90-strong roster for staffing (0: none).
    history_weeks: int = 0
    # False: callers wait until ``start_traffic`` (a test first gets its agents ready).
    traffic_on_start: bool = True


class DemoStack(StartStop):
    def __init__(self, options: DemoOptions, scenario: Scenario | None = None) -> None:
        self.options = options
        self.scenario = scenario
        self.simulator: PbxSimulator | None = None
        self.system: System | None = None
        self.server: HttpServer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.http_port = options.http_port
        self.accounts: list[DemoAccount] = []
        self._scenario: Scenario | None = None

    @property
    def url(self) -> str:
        return f"http://{self.options.http_host}:{self.http_port}"

    async def start(self) -> None:
        options = self.options
        base = Settings()
        scenario = self.scenario or load_scenario(options.scenario)
        self.simulator = PbxSimulator(
            username=base.ami_username,
            secret=base.ami_secret,
            seats=base.seat_extensions,
            callback_seat=base.callback_seat,
            time_scale=options.time_scale,
        )
        await self.simulator.start()
        settings = base.model_copy(
            update={
                "ami_host": "127.0.0.1",
                "ami_port": self.simulator.port,
                # Simulated agents never submit their forms, so wrap-up always runs to its
                # end; a short one keeps the demo's seats turning over like a real shift's.
                "wrapup_seconds": options.wrapup_seconds * options.time_scale,
                "wrapup_high_risk_seconds": 3 * options.wrapup_seconds * options.time_scale,
                "database_url": options.database_url,
                "data_dir": (options.data_dir or _folder_of(options.database_url)).absolute(),
                "http_host": options.http_host,
                "http_port": options.http_port,
            }
        )
        _ensure_folder(settings.database_url)
        self.system = System(settings)
        await self.system.start()
        assert self.system.link is not None
        await self.system.link.wait_logged_in(timeout=10)
        await self._seed_agents()
        if options.history_weeks:
            await self._seed_history(options.history_weeks)
        self.server = http_server(
            create_app(self.system.runtime), options.http_host, options.http_port
        )
        self._tasks.append(asyncio.create_task(self.server.serve(), name="http"))
        while not self.server.started:  # noqa: ASYNC110 (uvicorn offers no started event)
            await asyncio.sleep(0.01)
        self.http_port = self.server.servers[0].sockets[0].getsockname()[1]
        self._scenario = scenario
        if options.traffic_on_start:
            self.start_traffic()

    def start_traffic(self) -> None:
        """Start the scenario's callers (once); arrival times count from now."""
        if self._scenario is None or self.simulator is None:
            return
        scenario, self._scenario = self._scenario, None
        self._tasks.append(
            asyncio.create_task(run_scenario(self.simulator, scenario), name="traffic")
        )

    async def serve_until_stopped(self) -> None:
        """Wait until the HTTP server exits (Ctrl-C)."""
        for task in self._tasks:
            if task.get_name() == "http":
                await task

    def password_of(self, login: str) -> str:
        return next(a.password for a in self.accounts if a.login == login)

    async def _seed_history(self, weeks: int) -> None:
        from callcenter.app.demo_history import publish_demo_rota, seed_history

        assert self.system is not None
        runtime = self.system.runtime
        named = [agent_id for agent_id, _, _ in DEMO_AGENTS if agent_id != "cb1"]
        seeded = await seed_history(runtime, weeks, named)
        if seeded.calls:
            log.info("demo history: %d calls, %d counsellors", seeded.calls, seeded.counsellors)

        async def rota() -> None:  # beside the start: solving takes seconds
            log.info("demo rota: %s", await publish_demo_rota(runtime))

        self._tasks.append(asyncio.create_task(rota(), name="rota"))

    async def _seed_agents(self) -> None:
        assert self.system is not None
        runtime = self.system.runtime
        seats = [*runtime.settings.seat_extensions[: self.options.seats]]
        seats.append(runtime.settings.callback_seat)  # the callback seat's own agent
        async with runtime.sessions() as session, session.begin():
            for agent_id, name, skills in DEMO_AGENTS:
                if await find_agent(session, agent_id) is None:
                    await save_agent(session, agent_id, name, skills)
            site_id = await seed_sites(session)
            self.accounts = await seed_accounts(
                session,
                runtime.settings,
                DEMO_AGENTS,
                site_id=site_id,
                seats=seats,
                at=runtime.clock.now(),
            )
        control = runtime.find(SEAT_CONTROL)
        if not self.options.login_agents or control is None:
            return
        counsellors = [a for a in DEMO_AGENTS if a[0] != "cb1"][: len(seats) - 1]
        callback_agent = [a for a in DEMO_AGENTS if a[0] == "cb1"]
        async with runtime.sessions() as session:
            for (agent_id, _, _), seat in zip(counsellors + callback_agent, seats, strict=True):
                if control.seat_of_agent(agent_id) is not None:
                    continue  # still logged in from the last run (seat sessions persist)
                agent = await find_agent(session, agent_id)
                assert agent is not None
                control.login(agent, seat)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        for task in reversed(self._tasks):
            if task.get_name() in ("traffic", "rota"):
                task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*self._tasks, return_exceptions=True), 10)
        if self.system is not None:
            await self.system.stop()
        if self.simulator is not None:
            await self.simulator.stop()


def _folder_of(database_url: str) -> Path:
    prefix = "sqlite+aiosqlite:///"
    if database_url.startswith(prefix):
        return Path(database_url[len(prefix) :]).parent
    return Path("var")


def _ensure_folder(database_url: str) -> None:
    prefix = "sqlite+aiosqlite:///"
    if database_url.startswith(prefix):
        Path(database_url[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)
