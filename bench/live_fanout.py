"""Live fan-out latency: a seat change reaching 200 browsers' WebSockets.

Starts the API in-process (uvicorn on a free port) over in-process live state
(or Redis with ``--redis URL``, as when several API workers run), connects
``--clients`` WebSocket clients to ``/api/live``, then publishes seat changes the
way the ACD does (write the seats snapshot, broadcast ``{"kind": "snapshot"}``)
and measures, per client, the delay until the change arrives. The clients run in
the same process and event loop as the server, so the figures are pessimistic.

    .venv/bin/python bench/live_fanout.py [--clients 200] [--rounds 50] [--redis URL]

Prints p50/p99/max and exits non-zero when p99 misses ``--target-ms`` (100).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import websockets

# Run as a script, this folder comes first on sys.path and bench/workorders.py would
# shadow the workorders package: look packages up from the project root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from callcenter.app.factory import create_app  # noqa: E402
from callcenter.kernel.auth import Role  # noqa: E402
from callcenter.kernel.bus import EventBus  # noqa: E402
from callcenter.kernel.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.kernel.live import LiveState, MemoryLive, RedisLive  # noqa: E402
from callcenter.kernel.migrations import upgrade_to_head  # noqa: E402
from callcenter.kernel.runtime import Runtime  # noqa: E402
from callcenter.kernel.settings import Settings  # noqa: E402
from tests.staff import ensure_user, token  # noqa: E402

SEATS = [f"80{n:02d}" for n in range(1, 21)] + ["8099"]
SUPERVISOR = "bench-supervisor"


def seats_snapshot(round_no: int, changed: str) -> dict[str, Any]:
    now = time.time()
    seats = [
        {
            "seat": seat,
            "state": "paused" if seat == changed else "available",
            "agent": f"a{i:02d}",
            "agent_name": "王老师",
            "skills": ["general", "psychological"],
            "since": now,
            "pause_reason": "break" if seat == changed else None,
            "pending_pause": None,
            "reachable": True,
            "open": True,
            "callback": seat == "8099",
            "call_id": None,
            "wrapup_until": None,
        }
        for i, seat in enumerate(SEATS)
    ]
    return {"at": None, "seats": seats, "round": round_no, "sent": time.perf_counter()}


async def serve(live: LiveState) -> tuple[uvicorn.Server, asyncio.Task[None], str, str]:
    """The API on a free port; its live URL and a supervisor's access token for it."""
    folder = Path(tempfile.mkdtemp(prefix="cc-bench-"))
    settings = Settings(database_url=f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}")
    engine = make_engine(settings.database_url)
    await upgrade_to_head(engine)
    runtime = Runtime(
        settings=settings,
        bus=EventBus(),
        engine=engine,
        sessions=make_sessionmaker(engine),
        live=live,
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(runtime),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="off",
            ws_max_queue=64,
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # the server failed to start: raise its error
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    await ensure_user(runtime.sessions, settings, Role.SUPERVISOR, SUPERVISOR)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        access = await token(http, SUPERVISOR)
    return server, task, f"ws://127.0.0.1:{port}/api/live", access


class Audience:
    """The connected browsers' side: who is connected, and each change's delay per client."""

    def __init__(self, clients: int) -> None:
        self.clients = clients
        self.connected = 0
        self.all_connected = asyncio.Event()
        self.delays: dict[int, list[float]] = {}
        self._complete: dict[int, asyncio.Event] = {}

    def joined(self) -> None:
        self.connected += 1
        if self.connected == self.clients:
            self.all_connected.set()

    def arrived(self, round_no: int, sent: float) -> None:
        got = self.delays.setdefault(round_no, [])
        got.append((time.perf_counter() - sent) * 1000)
        if len(got) == self.clients:
            self._event(round_no).set()

    async def wait_round(self, round_no: int, within: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event(round_no).wait(), within)

    def _event(self, round_no: int) -> asyncio.Event:
        return self._complete.setdefault(round_no, asyncio.Event())


async def browser(url: str, access: str, audience: Audience) -> None:
    async with websockets.connect(url, max_size=2**22) as socket:
        await socket.send(json.dumps({"token": access}))  # an API client signs in so
        await socket.recv()  # the first snapshot
        audience.joined()
        async for raw in socket:
            seats = json.loads(raw).get("seats") or {}
            if "round" in seats:
                audience.arrived(seats["round"], seats["sent"])


async def run(args: argparse.Namespace) -> int:
    namespace = f"cc-bench-{uuid.uuid4().hex[:8]}"
    server_live: LiveState
    acd_live: LiveState
    if args.redis:
        server_live = RedisLive(args.redis, namespace)
        acd_live = RedisLive(args.redis, namespace)  # the ACD's process, another connection
    else:
        server_live = acd_live = MemoryLive()
    server, task, url, access = await serve(server_live)
    audience = Audience(args.clients)
    clients = [asyncio.create_task(browser(url, access, audience)) for _ in range(args.clients)]
    await asyncio.wait_for(audience.all_connected.wait(), 60)
    await asyncio.sleep(0.2)

    for round_no in range(args.rounds):
        await acd_live.put_snapshot("seats", seats_snapshot(round_no, SEATS[round_no % 20]))
        await acd_live.broadcast({"kind": "snapshot"})
        await audience.wait_round(round_no, within=5)
        await asyncio.sleep(args.interval)

    for task_ in clients:
        task_.cancel()
    await asyncio.gather(*clients, return_exceptions=True)
    server.should_exit = True
    await asyncio.wait_for(task, 10)
    if acd_live is not server_live:
        await acd_live.close()
    await server_live.close()

    samples = sorted(d for values in audience.delays.values() for d in values)
    expected = args.clients * args.rounds
    if not samples:
        print("no change reached any client")
        return 1
    p50 = statistics.median(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    mode = "redis" if args.redis else "memory"
    print(
        f"live fan-out ({mode}): {args.clients} clients x {args.rounds} seat changes, "
        f"{len(samples)}/{expected} delivered"
    )
    print(
        f"  p50 {p50:.1f} ms   p99 {p99:.1f} ms   max {samples[-1]:.1f} ms"
        f"   target p99 <= {args.target_ms} ms"
    )
    if len(samples) < expected:
        print("MISS: some changes never reached a client")
        return 1
    if p99 > args.target_ms:
        print("MISS: p99 above target")
        return 1
    print("OK")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.05, help="pause between changes (s)")
    parser.add_argument("--target-ms", type=float, default=100.0)
    parser.add_argument("--redis", default=None, help="redis URL: fan out through Redis pub/sub")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
