"""With a standby beside it, the death of the active ACD never engages the fallback.

Two ``callcenter serve`` with ``CALLCENTER_HA`` on one PostgreSQL; the standby
takes the lease and stamps the heartbeat before it goes stale, so a caller who
waits through the takeover stays in ``acd-hold`` for the ACD.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from callcenter.kernel.auth import Role
from tests.conftest import fresh_pg_database
from tests.pbx.floor import sign_in
from tests.pbx.net import free_port
from tests.pbx.procs import Child
from tests.pbx.stack import PbxStack, running
from tests.pbx.tools import Tools
from tests.pbx.watch import Api, user_event
from tests.staff import SignedAt

pytestmark = pytest.mark.timeout(90)

FALLBACK_AFTER = 5
NODES = ("pbx-a", "pbx-b")


@pytest.fixture(scope="module")
def pg_database(pg_server_url: str) -> Iterator[str]:
    with fresh_pg_database(pg_server_url, "cc_pbx") as url:
        yield url


@pytest.fixture(scope="module")
def stack(
    pbx_tools: Tools, tmp_path_factory: pytest.TempPathFactory, pg_database: str
) -> Iterator[PbxStack]:
    root: Path = tmp_path_factory.mktemp("pbx-fallback-ha")
    phones = {"8001": "manual", "8099": "absent", "8090": "absent"}  # 8001 rings, unanswered
    settings = {
        "CALLCENTER_DATABASE_URL": pg_database,
        "CALLCENTER_HA": "true",
        "CALLCENTER_NODE_ID": NODES[0],
        "CALLCENTER_LEASE_TTL": "1",
        "CALLCENTER_HEARTBEAT_SECONDS": "0.5",
        "CALLCENTER_FALLBACK_AFTER": str(FALLBACK_AFTER),
        "CALLCENTER_FALLBACK_CHECK_SECONDS": "1",
    }
    with running(PbxStack(pbx_tools, root, phones=phones, settings=settings)) as stack:
        yield stack


def _role(port: int) -> str:
    try:
        health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).json()
    except (httpx.HTTPError, ValueError):
        return ""
    return str(health.get("acd", {}).get("role", "") or health.get("role", ""))


def _becomes(port: int, role: str, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while _role(port) != role:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _start_standby(stack: PbxStack) -> tuple[Child, int]:
    port = free_port("127.0.0.1")
    data = stack.root / NODES[1]
    data.mkdir(exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(stack.root), **stack.asterisk.env,
           **stack.serve_env, "CALLCENTER_HTTP_PORT": str(port),
           "CALLCENTER_NODE_ID": NODES[1], "CALLCENTER_DATA_DIR": str(data)}  # fmt: skip
    cli = Path(sys.executable).with_name("callcenter")
    child = Child("standby", [str(cli), "serve"], log=stack.root / "standby.log", env=env)
    deadline = time.monotonic() + 60
    while _role(port) != "standby":
        assert child.alive and time.monotonic() < deadline, child.tail()
        time.sleep(0.2)
    return child, port


async def test_the_standby_takes_over_before_the_heartbeat_goes_stale(
    stack: PbxStack, pg_database: str
) -> None:
    lead = SignedAt(stack.url, pg_database, "pbx-lead", Role.SUPERVISOR)
    async with httpx.AsyncClient(base_url=stack.url, timeout=10, auth=lead) as client:
        await sign_in(Api(client, pg_database), "8001")  # the caller waits for this seat
    standby, port = _start_standby(stack)
    try:
        assert _becomes(stack.http_port, "active"), stack.diagnostics()
        async with stack.ami() as ami:
            stack.background(stack.carrier.call("13800000401", stay=14))
            waiting = await ami.wait(user_event("CallWaiting", ACDCallerNum="13800000401"))
            assert stack.serve is not None
            stack.serve.send(signal.SIGKILL)
            killed = time.monotonic()
            oldest = 0.0
            while time.monotonic() - killed < FALLBACK_AFTER + 3:
                reply = await ami.link.send({"Action": "Getvar", "Variable": "ACD_HEARTBEAT"})
                age = datetime.now(UTC).timestamp() - float(reply.response.text("Value"))
                oldest = max(oldest, age)
                await asyncio.sleep(0.2)
            print(f"the heartbeat was at most {oldest:.2f} s old through the takeover")
            assert _becomes(port, "active"), standby.tail()
            # whole-second heartbeat values: up to a second older than they are
            assert oldest < FALLBACK_AFTER - 1, f"the heartbeat was {oldest:.1f} s old"
            # the caller is still the ACD's: waiting, or ringing the seat again, never queued
            channels = stack.asterisk.cli("core show channels concise")
            caller = [line for line in channels.splitlines() if line.startswith("PJSIP/trunk-")]
            assert caller and caller[0].split("!")[1] in ("acd-hold", "acd-seat"), channels
            assert "/acd-fallback/" not in stack.asterisk.cli("database show acd-fallback")
            rang = ami.all(user_event("SeatFailed", Linkedid=waiting.text("Linkedid")))
            assert rang, "the new active ACD never rang the seat for the caller"
    finally:
        standby.stop(grace=10)
