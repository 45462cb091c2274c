"""Work-order benchmark on PostgreSQL: create/update throughput and a month's statistics.

Targets: >= 500 work orders/s created (and updated) through the service functions,
and a month's statistics by category over 1,000,000 orders in <= 1 s. Prints the
figures and the EXPLAIN ANALYZE plans; exits 1 on a miss.

    CALLCENTER_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/workorders.py [--orders 1000000] [--ops 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import Select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

# Run as a script, this file's folder comes first on sys.path and its name would
# shadow the workorders package: look the package up from the project root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from callcenter.app.discovery import import_all_models  # noqa: E402
from callcenter.kernel.db import execute_autocommit, make_engine, make_sessionmaker, transaction  # noqa: E402
from workorders.reference import regions  # noqa: E402
from workorders.service import mark_answered, open_for_call, update_fields  # noqa: E402
from workorders.stats.core import Grouping, span  # noqa: E402
from workorders.stats.keys import RowKeys  # noqa: E402
from workorders.stats.orders import counts_statement, people_statement  # noqa: E402
from workorders.stats.queries import compute_stats  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
ZONE = ZoneInfo("Asia/Shanghai")
CREATE_TARGET = 500.0  # orders per second
STATS_TARGET = 1.0  # seconds
MONTH = (date(2026, 11, 1), date(2026, 11, 30))
WORKERS = 8


async def throughput(
    sessions: async_sessionmaker[AsyncSession],
    count: int,
    workers: int,
    work: Callable[[AsyncSession, int], Awaitable[None]],
) -> float:
    """Run ``work`` for 0..count-1, one transaction each, ``workers`` at a time; orders/s."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            async with transaction(sessions) as session:
                await work(session, n)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return count / (time.perf_counter() - started)


async def create_answer_update(
    sessions: async_sessionmaker[AsyncSession], ops: int
) -> tuple[float, float, float]:
    """Orders/s for each step a call takes, each step its own transaction as in production."""
    at = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    ids: dict[int, int] = {}

    async def create(session: AsyncSession, n: int) -> None:
        order = await open_for_call(
            session, zone=SHANGHAI, call_id=f"bench-{n}", caller_number=f"1380{n:07d}", at=at
        )
        ids[n] = order.id

    async def answer(session: AsyncSession, n: int) -> None:
        await mark_answered(session, call_id=f"bench-{n}", seat="8001", agent="agent-b", at=at)

    async def update(session: AsyncSession, n: int) -> None:
        form = {
            "summary": "学业压力，失眠",
            "risk_level": "medium",
            "category": "psychological",
            "subcategory": "study_pressure",
            "city": "郑州市",
            "county": "金水区",
        }
        await update_fields(session, ids[n], form, actor="agent-b", at=at)

    created = await throughput(sessions, ops, WORKERS, create)
    answered = await throughput(sessions, ops, WORKERS, answer)
    updated = await throughput(sessions, ops, WORKERS, update)
    return created, answered, updated


async def bulk_load(engine: AsyncEngine, orders: int) -> float:
    """``orders`` work orders spread evenly over 2026 (local time), by generate_series."""
    cities = "ARRAY[" + ",".join(f"'{city}'" for city in regions()) + "]"
    step = 365 * 86400 / orders
    sql = f"""
        INSERT INTO work_orders (number, call_id, caller_number, caller_key, created_at, status,
            summary, risk_level, category, tags, city, escalated_at)
        SELECT '12355-bulk-' || g, 'bulk-' || g, '+86138' || lpad((g % 200000)::text, 8, '0'),
            -- a stand-in for the keyed digest the statistics count callers by
            'h1:' || md5('+86138' || lpad((g % 200000)::text, 8, '0')),
            ts, st, '', (ARRAY['none','none','none','low','medium','high','imminent'])[1 + g % 7],
            (ARRAY['psychological','psychological','legal','other', NULL])[1 + g % 5], '',
            ({cities})[1 + g % 18], CASE WHEN st = 'escalated' THEN ts END
        FROM (
            SELECT g, timestamptz '2026-01-01 00:00:00+08' + g * interval '{step} seconds' AS ts,
                (ARRAY['new','in_progress','resolved','referred','escalated','closed'])[1 + g % 6]
                    AS st
            FROM generate_series(1, {orders}) AS g
        ) AS rows
    """
    started = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(text(sql))
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE work_orders"))
    return time.perf_counter() - started


async def explain(session: AsyncSession, statement: Select[Any]) -> list[str]:
    """EXPLAIN ANALYZE of a real statement, with its bound values."""
    connection = await session.connection()
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = compiled.construct_params()
    values = [params[name] for name in compiled.positiontup or []]
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    rows = await raw.fetch("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), *values)
    return [row[0] for row in rows]


async def month_stats(sessions: async_sessionmaker[AsyncSession]) -> tuple[float, Any, list[str]]:
    first, last = MONTH
    timings = []
    report = None
    for _ in range(3):
        async with transaction(sessions) as session:
            started = time.perf_counter()
            report = await compute_stats(
                session, first, last, Grouping.CATEGORY, zone=ZONE, callbacks=None
            )
            timings.append(time.perf_counter() - started)
    period = span(first, last, ZONE)
    keys = RowKeys([period], Grouping.CATEGORY)
    async with transaction(sessions) as session:
        plan = await explain(session, counts_statement(period, keys))
        plan += ["", "-- people helped --"] + await explain(session, people_statement(period, keys))
    print(f"month stats timings (s): {', '.join(f'{t:.3f}' for t in timings)}")
    return max(timings[1:]), report, plan


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--ops", type=int, default=3000)
    args = parser.parse_args()
    server = os.environ.get("CALLCENTER_TEST_DATABASE_URL", DEFAULT_URL)
    name = f"cc_bench_{uuid.uuid4().hex[:8]}"
    await execute_autocommit(server, f'CREATE DATABASE "{name}"')
    engine = make_engine(urlsplit(server)._replace(path=f"/{name}").geturl())
    try:
        async with engine.begin() as conn:
            await conn.run_sync(import_all_models().create_all)
        sessions = make_sessionmaker(engine)
        created, answered, updated = await create_answer_update(sessions, args.ops)
        target = f"target >= {CREATE_TARGET:.0f}"
        print(f"{args.ops} orders, {WORKERS} concurrent transactions, one per step:")
        print(f"  create (open_for_call)  {created:6.0f} orders/s  {target}")
        print(f"  answer (mark_answered)  {answered:6.0f} orders/s  {target}")
        print(f"  update (update_fields)  {updated:6.0f} orders/s  {target}")
        loaded = await bulk_load(engine, args.orders)
        print(f"bulk load of {args.orders:,} orders + VACUUM ANALYZE: {loaded:.1f} s")
        worst, report, plan = await month_stats(sessions)
        print(f"month statistics by category (warm, worst of 2): {worst:.3f} s", end="")
        print(f"  target <= {STATS_TARGET} s")
        for row in report.rows:
            print(f"  {row.key:15} orders {row.orders:7}  cases {row.counselling_cases:7}", end="")
            print(f"  crisis {row.crisis_cases:6}")
        total = report.total
        print(f"  {'total':15} orders {total.orders:7}  people helped {total.people_helped}")
        print("EXPLAIN ANALYZE:")
        print("\n".join("  " + line for line in plan))
    finally:
        await engine.dispose()
        await execute_autocommit(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    misses = []
    if created < CREATE_TARGET:
        misses.append("create throughput")
    if answered < CREATE_TARGET:
        misses.append("answer throughput")
    if updated < CREATE_TARGET:
        misses.append("update throughput")
    if worst > STATS_TARGET:
        misses.append("month statistics")
    print("MISSED: " + ", ".join(misses) if misses else "all targets met")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
