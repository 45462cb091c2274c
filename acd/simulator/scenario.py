"""Declarative traffic for the simulator: seats, callees and callers, from YAML or a dict.

```yaml
seed: 7
seats:
  - ext: "8001-8008"          # one extension or a range
    answer_delay: [1, 3]      # seconds, fixed or [min, max]
    behaviour: answer         # answer | no_answer | busy
    registered: true
callees:                      # callback targets and outside lines
  "110": {behaviour: answer, answer_delay: 2, talk_time: [30, 60]}
callers:
  arrivals:                   # explicit calls, ``at`` seconds after the start
    - {at: 0.5, number: "13800000001", name: 小明, ivr: "1", patience: 60, talk_time: 20}
  poisson:                    # and/or random arrivals
    mean_interval: 4          # seconds between calls (or rate_per_minute)
    count: 100                # or duration: 600; neither means endless
    number: "1380000xxxx"     # each x is a random digit
    names: [小明, 小红, ""]
    patience: [60, 120]       # null: waits forever
    ivr: {"1": 0.5, "2": 0.3, "0": 0.2}
    talk_time: [10, 40]
```
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml

from acd.simulator.channels import Behaviour

if TYPE_CHECKING:
    from acd.simulator.simulator import PbxSimulator

SCENARIO_DIR = Path(__file__).parent / "scenarios"
BEHAVIOURS = ("answer", "no_answer", "busy")
Span = tuple[float, float]


@dataclass(frozen=True)
class SeatSpec:
    ext: str
    answer_delay: Span = (1.0, 1.0)
    behaviour: Behaviour = "answer"
    registered: bool = True


@dataclass(frozen=True)
class CalleeSpec:
    number: str
    behaviour: Behaviour = "answer"
    answer_delay: Span = (2.0, 2.0)
    talk_time: Span = (10.0, 10.0)


@dataclass(frozen=True)
class Arrival:
    at: float
    number: str
    name: str = ""
    ivr: str | None = "1"
    patience: float | None = None
    talk_time: float = 20.0


@dataclass(frozen=True)
class PoissonTraffic:
    mean_interval: float
    count: int | None = None
    duration: float | None = None
    number: str = "1380000xxxx"
    names: tuple[str, ...] = ("",)
    patience: Span | None = None
    ivr: tuple[tuple[str | None, float], ...] = (("1", 1.0),)
    talk_time: Span = (20.0, 20.0)


@dataclass(frozen=True)
class Scenario:
    seats: tuple[SeatSpec, ...] = ()
    callees: tuple[CalleeSpec, ...] = ()
    arrivals: tuple[Arrival, ...] = ()
    poisson: PoissonTraffic | None = None
    seed: int | None = None
    description: str = ""

    def schedule(self) -> Iterator[Arrival]:
        """Every call in arrival order; endless if the Poisson traffic has no bound."""
        rng = random.Random(self.seed)
        generated = _poisson(self.poisson, rng) if self.poisson else iter(())
        explicit = iter(sorted(self.arrivals, key=lambda a: a.at))
        nxt_e, nxt_g = next(explicit, None), next(generated, None)
        while nxt_e is not None or nxt_g is not None:
            if nxt_g is None or (nxt_e is not None and nxt_e.at <= nxt_g.at):
                assert nxt_e is not None
                yield nxt_e
                nxt_e = next(explicit, None)
            else:
                yield nxt_g
                nxt_g = next(generated, None)


def _poisson(p: PoissonTraffic, rng: random.Random) -> Iterator[Arrival]:
    t, n = 0.0, 0
    choices = [c for c, _ in p.ivr]
    weights = [w for _, w in p.ivr]
    while p.count is None or n < p.count:
        t += rng.expovariate(1.0 / p.mean_interval)
        if p.duration is not None and t > p.duration:
            return
        n += 1
        yield Arrival(
            at=t,
            number="".join(str(rng.randint(0, 9)) if ch == "x" else ch for ch in p.number),
            name=rng.choice(p.names),
            ivr=rng.choices(choices, weights)[0],
            patience=rng.uniform(*p.patience) if p.patience else None,
            talk_time=rng.uniform(*p.talk_time),
        )


# -- loading ---------------------------------------------------------------------------------


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """A scenario from a mapping, a YAML file, or the name of a shipped one (``demo``)."""
    if isinstance(source, Mapping):
        return _parse(source)
    path = Path(source)
    if not path.exists() and (SCENARIO_DIR / f"{source}.yaml").exists():
        path = SCENARIO_DIR / f"{source}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: a scenario is a mapping")
    return _parse(data)


def _span(value: Any, what: str) -> Span:
    if isinstance(value, int | float):
        return (float(value), float(value))
    if isinstance(value, list | tuple) and len(value) == 2:
        low, high = float(value[0]), float(value[1])
        if 0 <= low <= high:
            return (low, high)
    raise ValueError(f"{what}: expected seconds or [min, max], got {value!r}")


def _behaviour(value: Any, what: str) -> Behaviour:
    if value not in BEHAVIOURS:
        raise ValueError(f"{what}: behaviour must be one of {BEHAVIOURS}, got {value!r}")
    return cast(Behaviour, value)


def _extensions(ext: Any) -> list[str]:
    text = str(ext)
    first, sep, last = text.partition("-")
    if sep and first.isdigit() and last.isdigit() and len(first) == len(last):
        return [str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)]
    return [text]


def _parse(data: Mapping[str, Any]) -> Scenario:
    seats: list[SeatSpec] = []
    for i, raw in enumerate(data.get("seats") or []):
        where = f"seats[{i}]"
        for ext in _extensions(raw["ext"]):
            seats.append(
                SeatSpec(
                    ext,
                    _span(raw.get("answer_delay", 1.0), f"{where}.answer_delay"),
                    _behaviour(raw.get("behaviour", "answer"), where),
                    bool(raw.get("registered", True)),
                )
            )
    callees = [
        CalleeSpec(
            str(number),
            _behaviour(raw.get("behaviour", "answer"), f"callees.{number}"),
            _span(raw.get("answer_delay", 2.0), f"callees.{number}.answer_delay"),
            _span(raw.get("talk_time", 10.0), f"callees.{number}.talk_time"),
        )
        for number, raw in (data.get("callees") or {}).items()
    ]
    callers = data.get("callers") or {}
    arrivals = [
        Arrival(
            at=float(raw["at"]),
            number=str(raw["number"]),
            name=str(raw.get("name") or ""),
            ivr=None if raw.get("ivr", "1") is None else str(raw.get("ivr", "1")),
            patience=None if raw.get("patience") is None else float(raw["patience"]),
            talk_time=float(raw.get("talk_time", 20.0)),
        )
        for raw in callers.get("arrivals") or []
    ]
    poisson = _parse_poisson(callers["poisson"]) if callers.get("poisson") else None
    seed = data.get("seed")
    unknown = set(data) - {"seats", "callees", "callers", "seed", "description"}
    if unknown:
        raise ValueError(f"unknown scenario keys: {sorted(unknown)}")
    return Scenario(
        seats=tuple(seats),
        callees=tuple(callees),
        arrivals=tuple(arrivals),
        poisson=poisson,
        seed=None if seed is None else int(seed),
        description=str(data.get("description") or ""),
    )


def _parse_poisson(raw: Mapping[str, Any]) -> PoissonTraffic:
    if "mean_interval" in raw:
        interval = float(raw["mean_interval"])
    elif "rate_per_minute" in raw:
        interval = 60.0 / float(raw["rate_per_minute"])
    else:
        raise ValueError("callers.poisson: give mean_interval or rate_per_minute")
    if interval <= 0:
        raise ValueError("callers.poisson: the interval must be positive")
    ivr = raw.get("ivr") or {"1": 1.0}
    patience = raw.get("patience")
    return PoissonTraffic(
        mean_interval=interval,
        count=None if raw.get("count") is None else int(raw["count"]),
        duration=None if raw.get("duration") is None else float(raw["duration"]),
        number=str(raw.get("number", "1380000xxxx")),
        names=tuple(str(n or "") for n in (raw.get("names") or [""])),
        patience=None if patience is None else _span(patience, "callers.poisson.patience"),
        ivr=tuple((None if k in (None, "none", "") else str(k), float(w)) for k, w in ivr.items()),
        talk_time=_span(raw.get("talk_time", 20.0), "callers.poisson.talk_time"),
    )


# -- running ---------------------------------------------------------------------------------


async def run_scenario(sim: PbxSimulator, scenario: Scenario) -> None:
    """Configure the seats and callees, place every call on time, wait until all have ended."""
    for seat in scenario.seats:
        sim.configure_seat(
            seat.ext,
            behaviour=seat.behaviour,
            answer_delay=seat.answer_delay,
            registered=seat.registered,
        )
    for callee in scenario.callees:
        sim.configure_callee(
            callee.number,
            behaviour=callee.behaviour,
            answer_delay=callee.answer_delay,
            talk_time=callee.talk_time,
        )
    loop = asyncio.get_running_loop()
    start = loop.time()
    placed: list[str] = []
    for arrival in scenario.schedule():
        delay = start + arrival.at * sim.time_scale - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        placed.append(
            sim.place_call(
                arrival.number,
                name=arrival.name,
                ivr_choice=arrival.ivr,
                patience=arrival.patience,
                talk_time=arrival.talk_time,
            )
        )
    await sim.pbx.wait_calls_ended(placed)
