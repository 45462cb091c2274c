"""Flood surge: 1,000 callers in 60 s to 20 seats, through ``callcenter serve`` as a real
process, the PBX simulator over TCP, PostgreSQL and Redis.

Time runs ten times faster than on the phone (``--scale 0.1``): the 60 s of arrivals
take 6 s, a talk time drawn around 3 minutes (normal, sd 40 s, at least 30 s) takes
about 18 s, and so do the waits. A third of the callers are impatient and hang up
after a wait drawn between 20 s and 4 min; everybody else waits until a seat takes
them or the 2-minute maximum wait sends them to the callback offer. Seats answer after
1-3 s and wrap-up is off, so a freed seat takes the next caller at once.

Checks (exit status 1 on a miss):
- lost calls = 0: every caller was answered, or has exactly one pending callback;
- work orders = calls;
- routing latency p99 <= 10 ms: from the simulator emitting the event that makes a
  routing decision possible (the caller's CallWaiting, or the seat's leg hanging up)
  to its receiving the Redirect, over TCP;
- peak RSS of the serve process <= 250 MB.
The longest wait (in phone time) and the process's CPU seconds are printed beside.

    .venv/bin/python -m bench.surge [--calls 1000] [--seats 20] [--scale 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from acd.callback.models import CallbackTask
from acd.simulator import PbxSimulator
from bench.floor import BENCH_AMI_SECRET, ServeProcess, fresh_database, serve, staff
from callcenter.kernel.db import make_engine, make_sessionmaker
from workorders.models import WorkOrder

P99_BUDGET = 0.010
RSS_BUDGET_MB = 250.0


class Stopwatch:
    """Stamps, at the simulator, when routing became possible and when the Redirect came."""

    def __init__(self) -> None:
        self.waiting_since: dict[str, float] = {}
        self.seat_free_since: dict[str, float] = {}
        self.latencies: list[float] = []

    def on_event(self, klass: str, message: list[tuple[str, str]]) -> None:
        headers = dict(message)
        name = headers.get("Event")
        if name == "UserEvent" and headers.get("UserEvent") == "CallWaiting":
            self.waiting_since[headers.get("WaitChannel", "")] = time.perf_counter()
        elif name == "Hangup" and headers.get("Channel", "").startswith("PJSIP/80"):
            seat = headers["Channel"].split("/", 1)[1].split("-", 1)[0]
            self.seat_free_since[seat] = time.perf_counter()

    def on_redirect(self, action: dict[str, str]) -> None:
        if action.get("Context") != "acd-seat":
            return
        now = time.perf_counter()
        possible = max(
            self.waiting_since.get(action.get("Channel", ""), now),
            self.seat_free_since.get(action.get("Exten", ""), 0.0),
        )
        self.latencies.append(now - possible)


class _Actions(list[dict[str, str]]):
    def __init__(self, watch: Stopwatch) -> None:
        super().__init__()
        self.watch = watch

    def append(self, item: dict[str, str]) -> None:
        if item.get("Action", "").lower() == "redirect":
            self.watch.on_redirect(item)
        super().append(item)


async def run(calls: int, seats: int, scale: float, seed: int) -> bool:
    rng = random.Random(seed)
    watch = Stopwatch()
    sim = PbxSimulator(
        secret=BENCH_AMI_SECRET,
        seats=[str(8001 + n) for n in range(seats)],
        time_scale=scale,
        seed=seed,
    )
    sim.pbx.listeners.insert(0, watch.on_event)
    sim.server.actions = _Actions(watch)
    for n in range(seats):
        sim.configure_seat(str(8001 + n), answer_delay=(1.0, 3.0))
    await sim.start()
    folder = Path(tempfile.mkdtemp(prefix="cc-surge-"))
    try:
        async with fresh_database() as database_url, serve(
            sim, database_url, folder, seats, wrapup_seconds="0", max_wait=str(120 * scale),
            max_queue="2000",
        ) as acd:  # fmt: skip
            await staff(acd, seats)
            placed = await _flood(sim, rng, calls, scale)
            await _until_every_call_ends(sim, placed, scale)
            await _until_recorded(acd, database_url, len(placed))
            return await _report(sim, acd, database_url, placed, watch, scale)
    finally:
        await sim.stop()


async def _flood(sim: PbxSimulator, rng: random.Random, calls: int, scale: float) -> list[str]:
    """Arrivals spread evenly over 60 s of phone time, with a little jitter."""
    placed: list[str] = []
    start = time.monotonic()
    for n in range(calls):
        due = start + (n / calls) * 60 * scale
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        talk = max(30.0, rng.gauss(180, 40))
        patience = rng.uniform(20, 240) if rng.random() < 1 / 3 else None
        number = f"139{n:08d}"
        placed.append(sim.place_call(number, ivr_choice=rng.choice("0012"), patience=patience,
                                     talk_time=talk))  # fmt: skip
    return placed


async def _until_every_call_ends(sim: PbxSimulator, placed: list[str], scale: float) -> None:
    deadline = time.monotonic() + 600 * scale + 120
    while not all(sim.calls[c].ended for c in placed):
        if time.monotonic() > deadline:
            raise RuntimeError("calls still up long after the surge")
        await asyncio.sleep(0.2)


async def _until_recorded(acd: ServeProcess, database_url: str, calls: int) -> None:
    """The recorder writes beside the hot path: wait for its backlog to drain."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        health = await acd.request("GET", "/api/health")
        if health["recorder"]["backlog"] == 0 and health["recorder"]["journalled"] == 0:
            if await _count(database_url, WorkOrder) >= calls:
                await asyncio.sleep(1.0)  # the last callbacks are written after their orders
                return
        await asyncio.sleep(0.5)


async def _count(database_url: str, model: type[WorkOrder]) -> int:
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        await engine.dispose()


async def _pending_callbacks(database_url: str) -> Counter[str]:
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = await session.scalars(
                select(CallbackTask.number).where(CallbackTask.status == "pending")
            )
            return Counter(rows.all())
    finally:
        await engine.dispose()


async def _report(
    sim: PbxSimulator,
    acd: ServeProcess,
    database_url: str,
    placed: list[str],
    watch: Stopwatch,
    scale: float,
) -> bool:
    records = [sim.calls[c] for c in placed]
    answered = [r for r in records if r.connected_seat]
    owed = await _pending_callbacks(database_url)
    unanswered = [r for r in records if not r.connected_seat]
    lost = [r for r in unanswered if owed.get("+86" + r.number, 0) != 1]
    doubled = [number for number, n in owed.items() if n > 1]
    orders = await _count(database_url, WorkOrder)
    waits = [(r.answered or 0) - r.arrived for r in answered]
    latencies = watch.latencies
    p50 = statistics.median(latencies)
    p99 = statistics.quantiles(latencies, n=100, method="inclusive")[98]  # never past the max
    rss, cpu = acd.peak_rss_mb(), acd.cpu_seconds()
    print(f"surge: {len(placed)} calls in {60 * scale:.1f} s ({60} s of phone time, ×{scale}), "
          f"{len(answered)} answered, {len(unanswered)} with a callback")  # fmt: skip
    print(f"  lost calls: {len(lost)} (callbacks owed twice: {len(doubled)})")
    print(f"  work orders: {orders} for {len(placed)} calls")
    print(f"  routing latency over TCP: n={len(latencies)} p50={p50 * 1e3:.2f} ms "
          f"p99={p99 * 1e3:.2f} ms max={max(latencies) * 1e3:.2f} ms")  # fmt: skip
    print(f"  longest wait of an answered caller: {max(waits) / scale:.0f} s of phone time")
    print(f"  serve process: peak RSS {rss:.0f} MB, CPU {cpu:.1f} s")
    checks = {
        "lost calls = 0": not lost and not doubled,
        "work orders = calls": orders == len(placed),
        f"p99 <= {P99_BUDGET * 1e3:.0f} ms": p99 <= P99_BUDGET,
        f"peak RSS <= {RSS_BUDGET_MB:.0f} MB": rss <= RSS_BUDGET_MB,
    }
    for name, ok in checks.items():
        print(f"  {name}: {'ok' if ok else 'MISSED'}")
    return all(checks.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.surge", description=__doc__)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=20)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=12355)
    args = parser.parse_args(argv)
    ok = asyncio.run(run(args.calls, args.seats, args.scale, args.seed))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
