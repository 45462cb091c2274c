"""How long from "the agent flags imminent risk" to "notified" (the webhook was delivered).

Runs the real path: bus → CrisisService.on_event → escalation row + outbox → worker →
signed webhook to a loopback receiver → notified. Prints the figures and exits non-zero
when any case takes longer than the 60 s target.

    .venv/bin/python bench/crisis_notify.py [cases]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import select

from callcenter.app.discovery import import_all_models
from callcenter.kernel.bus import EventBus
from callcenter.kernel.clock import SystemClock
from callcenter.kernel.db import make_engine, make_sessionmaker, transaction
from crisis.models import Escalation
from crisis.service import CrisisService
from crisis.settings import CrisisSettings
from workorders.events import WorkOrderUpdated

TARGET_SECONDS = 60.0


class _Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def order(n: int) -> WorkOrderUpdated:
    return WorkOrderUpdated(
        call_id=f"bench-{n}",
        order_id=n,
        number=f"12355-bench-{n}",
        caller_number=f"1380000{n:04d}",
        risk_level="imminent",
        summary="不想活了",
        category=None,
        subcategory=None,
        status="in_progress",
        agent="bench-agent",
        age_group="15-17",
        gender=None,
        identity=None,
        city="杭州市",
        county="西湖区",
    )


async def main(cases: int) -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    folder = Path(tempfile.mkdtemp(prefix="crisis-bench-"))
    engine = make_engine(f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}")
    async with engine.begin() as conn:
        await conn.run_sync(import_all_models().create_all)
    sessions = make_sessionmaker(engine)
    bus = EventBus()
    service = CrisisService(
        sessions=sessions,
        bus=bus,
        clock=SystemClock(),
        settings=CrisisSettings(worker_poll_seconds=1.0),
        webhook_url=f"http://127.0.0.1:{server.server_port}/crisis",
        webhook_secret="bench",
    )
    bus.subscribe("crisis", service.on_event)
    bus.start()
    workers = asyncio.create_task(service.run_workers())
    delays: list[float] = []
    try:
        for n in range(cases):
            started = time.monotonic()
            bus.publish(order(n))
            while True:
                async with transaction(sessions) as session:
                    stage = await session.scalar(
                        select(Escalation.stage).where(Escalation.call_id == f"bench-{n}")
                    )
                if stage == "notified" or time.monotonic() - started > TARGET_SECONDS:
                    break
                await asyncio.sleep(0.005)
            delays.append(time.monotonic() - started)
    finally:
        workers.cancel()
        await asyncio.gather(workers, return_exceptions=True)
        await bus.stop()
        await engine.dispose()
        server.shutdown()
    ms = sorted(d * 1000 for d in delays)
    print(f"imminent risk → notified, {cases} cases (SQLite, loopback webhook)")
    print(
        f"  median {statistics.median(ms):.1f} ms  p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms"
        f"  max {ms[-1]:.1f} ms  (target {TARGET_SECONDS:.0f} s)"
    )
    return 0 if max(delays) < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)))
