"""``python -m acd.simulator --port 5038 --scenario demo``: a simulated Asterisk on its own."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from acd.simulator.scenario import load_scenario, run_scenario
from acd.simulator.simulator import PbxSimulator


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m acd.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5038)
    parser.add_argument("--username", default="acd")
    parser.add_argument("--secret", default="acd-secret")
    parser.add_argument("--system-name", default="sim")
    parser.add_argument("--scenario", default=None, help="a shipped name (demo) or a YAML path")
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


async def serve(args: argparse.Namespace) -> None:
    scenario = load_scenario(args.scenario) if args.scenario else None
    sim = PbxSimulator(
        host=args.host,
        port=args.port,
        username=args.username,
        secret=args.secret,
        system_name=args.system_name,
        time_scale=args.time_scale,
        seed=args.seed if args.seed is not None else (scenario.seed if scenario else None),
    )
    await sim.start()
    print(f"AMI simulator listening on {args.host}:{sim.port}", flush=True)
    try:
        if scenario is not None:
            await run_scenario(sim, scenario)
        await asyncio.Event().wait()
    finally:
        await sim.stop()


if __name__ == "__main__":
    main()
