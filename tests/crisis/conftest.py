"""Crisis fixtures: a real webhook receiver on loopback and a CrisisService on a fake clock."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callcenter.app.factory import create_app
from callcenter.kernel.bus import DomainEvent, EventBus
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.runtime import Runtime
from callcenter.kernel.settings import Settings
from crisis.assessment import default_assessor
from crisis.deps import CRISIS_CONFIG
from crisis.service import CrisisService
from crisis.settings import CrisisSettings
from crisis.signing import verify
from tests.conftest import free_port
from tests.staff import Staff

SECRET = "test-shared-secret"


@pytest.fixture(scope="session", autouse=True)
def warm_segmenter() -> None:
    """Load jieba's dictionary once, before any test times itself (as the service does at start)."""
    default_assessor().warm()


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    @property
    def delivery(self) -> str:
        return self.headers["X-Crisis-Delivery"]

    def verifies(self, now: int) -> bool:
        return verify(SECRET, self.headers, self.body, now=now)


class WebhookReceiver:
    """An HTTP server in a thread; ``stop``/``start`` make a real outage on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.status = 200
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/crisis"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.status < 300:
                    receiver.received.append(Received(dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def published(bus: EventBus) -> list[DomainEvent]:
    seen: list[DomainEvent] = []
    bus.observe(seen.append)
    return seen


def crisis_settings(**overrides: Any) -> CrisisSettings:
    values: dict[str, Any] = {
        "ack_deadline_seconds": 300,
        "retry_base_seconds": 2,
        "retry_max_seconds": 60,
        "worker_poll_seconds": 0.05,
        "webhook_timeout": 2,
        "police_liaison_number": None,
        **overrides,
    }
    return CrisisSettings(**values)


@pytest.fixture
async def crisis(
    sessions: async_sessionmaker[AsyncSession],
    bus: EventBus,
    clock: FakeClock,
    receiver: WebhookReceiver,
) -> AsyncIterator[CrisisService]:
    service = CrisisService(
        sessions=sessions,
        bus=bus,
        clock=clock,
        settings=crisis_settings(),
        webhook_url=receiver.url,
        webhook_secret=SECRET,
    )
    yield service
    await service.outbox.aclose()


@pytest.fixture
async def staff(
    db_engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    bus: EventBus,
    clock: FakeClock,
    crisis: CrisisService,
) -> AsyncIterator[Staff]:
    """The production app over the crisis service; accounts signed in through it."""
    runtime = Runtime(
        settings=Settings(), bus=bus, engine=db_engine, sessions=sessions, clock=clock
    )
    runtime.provide(CRISIS_CONFIG, crisis.intake_config)
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://crisis") as client:
        yield Staff(client, sessions, runtime.settings)


@pytest.fixture
async def supervisor(staff: Staff) -> httpx.AsyncClient:
    return await staff.client("supervisor", "sup-zhao")


@pytest.fixture
async def police(staff: Staff) -> httpx.AsyncClient:
    return await staff.client("police", "liaison-1")


@pytest.fixture
async def agent(staff: Staff) -> httpx.AsyncClient:
    return await staff.client("agent", "agent-wang")


@pytest.fixture
async def site2(staff: Staff) -> httpx.AsyncClient:
    return await staff.client("site", "site-xihu", site=1)  # 金水区's site


@pytest.fixture
async def site1(staff: Staff) -> httpx.AsyncClient:
    return await staff.client("site", "site-hz", site=2)  # another site


@pytest.fixture
async def admin(staff: Staff) -> httpx.AsyncClient:
    return await staff.client("admin")
