"""Routing decision latency: how long from "a seat is free" to "connect this caller there".

Each measurement is a function returning a ``Measurement``; ``main`` runs them all,
prints p50/p99 and exits non-zero if any p99 misses its budget. The core half runs
the pure ``AcdCore`` with 20 seats and 1,000 waiting callers; an end-to-end half
over TCP through the PBX simulator and the ACD shell is in ``bench/routing_tcp.py``.

The core does no I/O, so its decision time is CPU time: the budget is checked on
the thread's CPU time, and the wall-clock figures are printed beside it (on a
shared, loaded machine they also hold the time the scheduler gave to others).

    .venv/bin/python -m bench.routing [--samples N]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from acd.commands import Command, ConnectToSeat
from acd.core import AcdCore
from acd.events import CallConnected, CallEnded, CallWaiting, SeatRinging, Skill
from acd.policy import CallerPriority, RoutingPolicy
from seats.agents import Agent

SEATS = [str(n) for n in range(8001, 8021)]
WAITING = 1_000
CORE_BUDGET_P99 = 0.001  # seconds


@dataclass(frozen=True)
class Measurement:
    """Samples in seconds; ``seconds`` is what the budget applies to."""

    name: str
    seconds: list[float]
    budget_p99: float
    wall_seconds: list[float] | None = None  # shown beside, when the budget is on CPU time

    @property
    def p99(self) -> float:
        return _p99(self.seconds)

    def report(self) -> bool:
        ok = self.p99 <= self.budget_p99
        line = f"{self.name}: n={len(self.seconds)} {_figures(self.seconds)}"
        if self.wall_seconds:
            line += f" | wall {_figures(self.wall_seconds)}"
        print(f"{line} | budget p99 {self.budget_p99 * 1e6:.0f} µs {'ok' if ok else 'MISSED'}")
        return ok


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def _figures(samples: list[float]) -> str:
    return (
        f"p50={statistics.median(samples) * 1e6:.1f} µs p99={_p99(samples) * 1e6:.1f} µs "
        f"max={max(samples) * 1e6:.1f} µs"
    )


@dataclass(frozen=True)
class Sample:
    cpu: float
    wall: float


def clocked(decide: Callable[[], list[Command]]) -> tuple[Sample, list[Command]]:
    """Run one decision, timing it on the thread's CPU clock and on the wall clock."""
    cpu, wall = time.thread_time(), time.perf_counter()
    commands = decide()
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    return Sample(cpu, wall), commands


class BusyHotline:
    """20 agents on calls and 1,000 callers waiting, with a realistic mix of skills."""

    def __init__(self, policy: RoutingPolicy, rng: random.Random) -> None:
        self.core = AcdCore(policy, seats=SEATS, normal_seats=8)
        self.rng = rng
        self.now = 1_800_000_000.0
        self.serial = 0
        self.core.set_surge(True, "bench", self.now)
        skill_sets = [
            frozenset(),
            frozenset({Skill.PSYCHOLOGICAL}),
            frozenset({Skill.LEGAL}),
            frozenset({Skill.PSYCHOLOGICAL, Skill.CRISIS}),
        ]
        for n, seat in enumerate(SEATS):
            agent = Agent(f"agent{n}", f"Agent {n}", skill_sets[n % len(skill_sets)])
            self.core.login(agent, seat, self.now)
        for n in range(50):
            self.core.set_caller_priority(self._number(n), CallerPriority.CALLBACK)
        self.on_call: dict[str, str] = {}  # seat → call
        self.connected = 0
        for _ in range(len(SEATS) + WAITING):
            self.arrive()

    def _number(self, n: int) -> str:
        return f"+86138{n:08d}"

    def arrive(self) -> None:
        self.serial += 1
        self.now += 0.01
        skill = self.rng.choices(
            [Skill.GENERAL, Skill.PSYCHOLOGICAL, Skill.LEGAL, Skill.CRISIS], [60, 25, 12, 3]
        )[0]
        event = CallWaiting(
            call_id=f"call-{self.serial}",
            caller_number=self._number(self.rng.randrange(10_000)),
            skill=skill,
            wait_channel=f"PJSIP/trunk-{self.serial:08x}",
        )
        self.answer(self.core.handle(event, self.now))

    def answer(self, commands: list[Command]) -> None:
        for command in commands:
            if isinstance(command, ConnectToSeat):
                self.core.handle(SeatRinging(call_id=command.call_id, seat=command.seat), self.now)
                self.core.handle(
                    CallConnected(call_id=command.call_id, seat=command.seat), self.now
                )
                self.on_call[command.seat] = command.call_id
                self.connected += 1

    def hang_up_one(self) -> tuple[str, list[Command]]:
        """A random talking caller hangs up; returns the seat and what the core said."""
        self.now += 0.01
        seat = self.rng.choice(sorted(self.on_call))
        call_id = self.on_call.pop(seat)
        return seat, self.core.handle(CallEnded(call_id=call_id, connected=True), self.now)


def _timed(
    name: str, policy: RoutingPolicy, samples: int, free_seat: Callable[[BusyHotline], Sample]
) -> Measurement:
    hotline = BusyHotline(policy, random.Random(12355))
    taken: list[Sample] = []
    gc.collect()
    gc.freeze()
    routed = 0
    for _ in range(samples):
        before = hotline.connected
        taken.append(free_seat(hotline))
        for _ in range(hotline.connected - before):  # keep 1,000 waiting
            routed += 1
            hotline.arrive()
    gc.unfreeze()
    if routed < samples * 0.9:
        raise SystemExit(f"{name}: only {routed} of {samples} freed seats took a caller")
    cpu, wall = [s.cpu for s in taken], [s.wall for s in taken]
    return Measurement(name, cpu, CORE_BUDGET_P99, wall_seconds=wall)


def core_call_end(samples: int) -> Measurement:
    """handle(CallEnded) with no wrap-up: the freed seat is offered the next caller."""

    def free_seat(hotline: BusyHotline) -> Sample:
        hotline.now += 0.01
        seat = hotline.rng.choice(sorted(hotline.on_call))
        event = CallEnded(call_id=hotline.on_call.pop(seat), connected=True)
        sample, commands = clocked(lambda: hotline.core.handle(event, hotline.now))
        hotline.answer(commands)
        return sample

    policy = RoutingPolicy(max_wait=1e9, max_queue=10 * WAITING, wrapup_seconds=0)
    return _timed("core: CallEnded → ConnectToSeat", policy, samples, free_seat)


def core_wrapup_done(samples: int) -> Measurement:
    """wrapup_done after a call: the agent is ready and the next caller rings."""

    def free_seat(hotline: BusyHotline) -> Sample:
        seat, _ = hotline.hang_up_one()
        sample, commands = clocked(lambda: hotline.core.wrapup_done(seat, hotline.now))
        hotline.answer(commands)
        return sample

    policy = RoutingPolicy(max_wait=1e9, max_queue=10 * WAITING)
    return _timed("core: wrapup_done → ConnectToSeat", policy, samples, free_seat)


def core_event_beside_an_idle_mismatch(samples: int) -> Measurement:
    """Any event while a psychological counsellor idles and 1,000 legal callers wait.

    Nobody can be routed, and every event re-checks that: it must not cost a scan of
    the whole queue.
    """
    policy = RoutingPolicy(max_wait=1e9, max_queue=10 * WAITING)
    core = AcdCore(policy, seats=SEATS, normal_seats=8)
    now = 1_800_000_000.0
    core.login(Agent("psy", "Psy", frozenset({Skill.PSYCHOLOGICAL})), SEATS[0], now)

    def legal_caller(n: int) -> CallWaiting:
        return CallWaiting(
            call_id=f"legal-{n}",
            caller_number=f"+86138{n:08d}",
            skill=Skill.LEGAL,
            wait_channel=f"PJSIP/trunk-{n:08x}",
        )

    for n in range(WAITING):
        core.handle(legal_caller(n), now + n / 1000)
    taken = []
    for n in range(WAITING, WAITING + samples):
        now += 0.001
        sample, commands = clocked(lambda: core.handle(legal_caller(n), now))  # noqa: B023
        if any(isinstance(command, ConnectToSeat) for command in commands):
            raise SystemExit("a legal caller was sent to a psychological counsellor")
        taken.append(sample)
    name = "core: event beside an idle seat nobody fits"
    return Measurement(
        name, [s.cpu for s in taken], CORE_BUDGET_P99, wall_seconds=[s.wall for s in taken]
    )


def e2e_arrival(samples: int) -> Measurement:
    """Over TCP through the simulator: CallWaiting emitted → Redirect received."""
    from bench.routing_tcp import measure_arrival
    from callcenter.app.event_loop import run_serving  # serve's loop (uvloop, GIL slice)

    seconds = run_serving(measure_arrival(min(samples, 300)))
    return Measurement("e2e over TCP, arrival → Redirect", seconds, budget_p99=0.010)


def e2e_freed_seat(samples: int) -> Measurement:
    """Over TCP through the simulator: the busy seat's call hangs up → next Redirect."""
    from bench.routing_tcp import measure_freed_seat
    from callcenter.app.event_loop import run_serving

    seconds = run_serving(measure_freed_seat(min(samples, 200)))
    return Measurement("e2e over TCP, freed seat → Redirect", seconds, budget_p99=0.010)


MEASUREMENTS: list[Callable[[int], Measurement]] = [
    core_call_end,
    core_wrapup_done,
    core_event_beside_an_idle_mismatch,
    e2e_arrival,
    e2e_freed_seat,
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--samples", type=int, default=3_000)
    args = parser.parse_args(argv)
    print(f"{len(SEATS)} seats, {WAITING} callers waiting")
    results = [measure(args.samples) for measure in MEASUREMENTS]
    return 0 if all([result.report() for result in results]) else 1


if __name__ == "__main__":
    sys.exit(main())
