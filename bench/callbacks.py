"""Callback store benchmark on PostgreSQL: claiming under a backlog, recording misses.

Targets, with a backlog of open callbacks (default 1,000 due, a very bad day, and
50,000 finished) and 4 dialers claiming at once: claim + attempt commit p95 <= 25 ms,
no task claimed twice; recording misses one after another (one bus subscriber does it) >= 200/s,
far above a surge of hundreds of callers hanging up within a minute (~10/s).
Prints the figures; exits 1 on a miss.

    CALLCENTER_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/callbacks.py [--due 1000] [--done 50000] [--claims 1000]

A claim sorts every due task (the index is on status, due_at), so it grows with
the due backlog: about 34 ms p95 at 5,000 due. A partial index in dial order over
pending tasks would make it independent of the backlog.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from acd.callback import store
from acd.callback.models import CallbackTask
from acd.callback.policy import CallbackPolicy
from acd.events import MissReason
from callcenter.app.discovery import import_all_models
from callcenter.kernel.db import execute_autocommit, make_engine, make_sessionmaker, transaction

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
CLAIM_P95_TARGET = 0.025  # seconds
MISS_TARGET = 200.0  # misses recorded per second, one after another
DIALERS = 4
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def backlog_rows(due: int, done: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for n in range(due + done):
        missed = NOW - timedelta(minutes=10 + n % 5000)
        rows.append(
            {
                "number": f"+861390{n:07d}",
                "dial_number": f"1390{n:07d}",
                "status": "pending" if n < due else "reached",
                "first_call_id": f"bench-{n}",
                "miss_count": 1,
                "first_missed_at": missed,
                "last_missed_at": missed,
                "high_risk": n % 97 == 0,
                "hesitant": n % 7 == 0,
                "due_at": missed + timedelta(minutes=5),
                "attempts": 0 if n < due else 1,
                "closed_at": None if n < due else missed + timedelta(minutes=6),
            }
        )
    return rows


async def run(url: str, due: int, done: int, claims: int, misses: int) -> bool:
    engine = make_engine(url, pool_size=DIALERS + 2)
    async with engine.begin() as conn:
        await conn.run_sync(import_all_models().create_all)
    sessions = make_sessionmaker(engine)
    rows = backlog_rows(due, done)
    async with transaction(sessions) as session:
        for start in range(0, len(rows), 5000):
            await session.execute(insert(CallbackTask), rows[start : start + 5000])
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))

    latencies: list[float] = []
    claimed: list[int] = []

    async def dialer(name: str) -> None:
        while len(latencies) < claims:
            started = time.perf_counter()
            async with transaction(sessions) as session:
                claim = await store.claim_next(session, now=NOW, dialer_id=name)
            latencies.append(time.perf_counter() - started)
            if claim is None:
                return
            claimed.append(claim.task_id)

    await asyncio.gather(*(dialer(f"dialer-{n}") for n in range(DIALERS)))
    p50 = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1]
    unique = len(set(claimed)) == len(claimed)

    policy = CallbackPolicy()
    started = time.perf_counter()
    for n in range(misses):
        async with transaction(sessions) as session:
            await store.record_miss(
                session,
                number=f"+861370{n % (misses // 2):07d}",  # every number missed twice
                dial_number="",
                call_id=f"miss-{n}",
                reason=MissReason.ABANDONED,
                waited_seconds=5.0,
                missed_at=NOW,
                high_risk=False,
                work_order_id=None,
                policy=policy,
            )
    miss_rate = misses / (time.perf_counter() - started)
    await engine.dispose()

    print(f"backlog: {due} due, {done} finished callbacks; {DIALERS} dialers")
    print(
        f"claim + attempt commit: p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
        f"(target p95 <= {CLAIM_P95_TARGET * 1000:.0f} ms) over {len(latencies)} claims"
    )
    print(f"no task claimed twice: {unique} ({len(claimed)} claims)")
    print(f"misses recorded: {miss_rate:.0f}/s (target >= {MISS_TARGET:.0f}/s)")
    return p95 <= CLAIM_P95_TARGET and unique and miss_rate >= MISS_TARGET


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--done", type=int, default=50000)
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--misses", type=int, default=2000)
    args = parser.parse_args()
    server = os.environ.get("CALLCENTER_TEST_DATABASE_URL", DEFAULT_URL)
    name = f"cc_bench_cb_{uuid.uuid4().hex[:8]}"
    asyncio.run(execute_autocommit(server, f'CREATE DATABASE "{name}"'))
    try:
        url = urlsplit(server)._replace(path=f"/{name}").geturl()
        ok = asyncio.run(run(url, args.due, args.done, args.claims, args.misses))
    finally:
        asyncio.run(execute_autocommit(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
