"""Soak (not in CI): N minutes of steady traffic through ``callcenter serve``, watching it age.

Callers arrive at a steady rate to 20 seats (simulator over TCP, PostgreSQL, Redis);
every interval it prints the serve process's RSS, open file descriptors, the
database connections it holds, and the event loop's lag as seen from outside (the
round trip of ``/api/health``, which waits its turn on the same loop as the ACD).
At the end it compares the last third's RSS with the first third's: memory must
stay flat (exit status 1 when it grew by more than 20 %).

    .venv/bin/python -m bench.soak --minutes 10 [--rate 2] [--every 30]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from acd.simulator import PbxSimulator
from bench.floor import BENCH_AMI_SECRET, db_connections, fresh_database, serve, staff

SEATS = 20
GROWTH_LIMIT = 1.2


async def run(minutes: float, rate: float, every: float, seed: int) -> bool:
    rng = random.Random(seed)
    sim = PbxSimulator(
        secret=BENCH_AMI_SECRET, seats=[str(8001 + n) for n in range(SEATS)], seed=seed
    )
    await sim.start()
    folder = Path(tempfile.mkdtemp(prefix="cc-soak-"))
    rss: list[float] = []
    try:
        async with (
            fresh_database() as database_url,
            serve(sim, database_url, folder, SEATS, wrapup_seconds="2") as acd,
        ):
            await staff(acd, SEATS)
            end = time.monotonic() + minutes * 60
            next_report = time.monotonic()
            placed = 0
            print("minute  calls  rss_mb  fds  db_conns  loop_lag_ms")
            while time.monotonic() < end:
                patience, talk = rng.uniform(20, 90), rng.uniform(5, 12)
                sim.place_call(f"137{placed:08d}", ivr_choice=rng.choice("012"),
                               patience=patience, talk_time=talk)  # fmt: skip
                placed += 1
                if time.monotonic() >= next_report:
                    sent = time.perf_counter()
                    await acd.request("GET", "/api/health")
                    lag = (time.perf_counter() - sent) * 1000
                    rss.append(acd.rss_mb())
                    elapsed = (time.monotonic() - (end - minutes * 60)) / 60
                    print(f"{elapsed:6.1f}  {placed:5d}  {rss[-1]:6.1f}  {acd.open_fds():3d}  "
                          f"{await db_connections(database_url):8d}  {lag:11.1f}")  # fmt: skip
                    next_report += every
                await asyncio.sleep(rng.expovariate(rate))
    finally:
        await sim.stop()
    third = max(1, len(rss) // 3)
    first, last = statistics.mean(rss[:third]), statistics.mean(rss[-third:])
    flat = last <= first * GROWTH_LIMIT
    print(f"RSS first third {first:.1f} MB, last third {last:.1f} MB: "
          f"{'flat' if flat else 'GROWING'}")  # fmt: skip
    return flat


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=2.0, help="callers per second")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--seed", type=int, default=12355)
    args = parser.parse_args(argv)
    return 0 if asyncio.run(run(args.minutes, args.rate, args.every, args.seed)) else 1


if __name__ == "__main__":
    sys.exit(main())
