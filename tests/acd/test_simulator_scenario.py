"""Scenarios: the YAML/dict format, the generated traffic, and running one to completion."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acd.simulator import load_scenario
from acd.simulator.scenario import Scenario, run_scenario
from tests.acd.simhelpers import client, running_sim


def test_the_shipped_demo_has_eight_seats_and_a_call_every_six_seconds() -> None:
    demo = load_scenario("demo")
    assert [s.ext for s in demo.seats] == [f"80{n:02d}" for n in range(1, 9)]
    assert all(s.answer_delay == (1.0, 3.0) for s in demo.seats)
    assert demo.poisson is not None
    assert demo.poisson.mean_interval == 6.0
    assert demo.poisson.patience is not None and demo.poisson.patience[1] == 120.0
    assert demo.poisson.talk_time == (10.0, 40.0)
    first = [a for _, a in zip(range(200), demo.schedule(), strict=False)]
    assert len(first) == 200  # endless traffic
    mean_gap = first[-1].at / len(first)
    assert 5.0 < mean_gap < 7.0
    assert all(len(a.number) == 11 and a.number.startswith("1380000") for a in first)
    assert all(0 < (a.patience or 0) <= 120 for a in first)
    assert {a.ivr for a in first} == {"1", "2", "0", None}


def test_the_same_seed_gives_the_same_traffic() -> None:
    spec = {"seed": 3, "callers": {"poisson": {"rate_per_minute": 30, "count": 20}}}
    assert list(load_scenario(spec).schedule()) == list(load_scenario(spec).schedule())


@given(st.integers(1, 50), st.floats(0.5, 30))
@settings(max_examples=30)
def test_count_and_duration_bound_the_poisson_traffic(count: int, duration: float) -> None:
    spec = {
        "seed": count,
        "callers": {"poisson": {"mean_interval": 1.0, "count": count, "duration": duration}},
    }
    arrivals = list(load_scenario(spec).schedule())
    assert len(arrivals) <= count
    assert all(a.at <= duration for a in arrivals)
    assert [a.at for a in arrivals] == sorted(a.at for a in arrivals)


def test_explicit_and_random_arrivals_merge_in_time_order() -> None:
    spec = {
        "seed": 1,
        "seats": [{"ext": "8001", "answer_delay": [0.5, 1], "behaviour": "no_answer"}],
        "callees": {"110": {"behaviour": "busy"}},
        "callers": {
            "arrivals": [
                {"at": 2.5, "number": "13800000001", "name": "小明", "ivr": None},
                {"at": 0.1, "number": "13800000002", "patience": 5},
            ],
            "poisson": {"mean_interval": 1.0, "count": 3, "names": ["小红"]},
        },
    }
    scenario = load_scenario(spec)
    times = [a.at for a in scenario.schedule()]
    assert times == sorted(times) and len(times) == 5
    assert scenario.seats[0].behaviour == "no_answer"
    assert scenario.callees[0].number == "110" and scenario.callees[0].behaviour == "busy"
    explicit = {a.number: a for a in scenario.arrivals}
    assert explicit["13800000001"].ivr is None and explicit["13800000001"].name == "小明"


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"seats": [{"ext": "8001", "behaviour": "sleep"}]}, "behaviour"),
        ({"seats": [{"ext": "8001", "answer_delay": [3, 1]}]}, "answer_delay"),
        ({"callers": {"poisson": {"count": 3}}}, "mean_interval"),
        ({"callers": {"poisson": {"mean_interval": 0}}}, "positive"),
        ({"seat": [{"ext": "8001"}]}, "unknown scenario keys"),
    ],
)
def test_bad_scenarios_say_what_is_wrong(spec: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        load_scenario(spec)


def test_a_scenario_loads_from_a_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        'seats:\n  - ext: "8001-8003"\ncallers:\n  arrivals:\n'
        '    - {at: 1, number: "13800000001", name: 小明}\n',
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    assert [s.ext for s in scenario.seats] == ["8001", "8002", "8003"]
    assert scenario.arrivals[0].name == "小明"


async def test_running_a_scenario_places_every_call_and_waits_for_the_end() -> None:
    scenario: Scenario = load_scenario(
        {
            "seed": 5,
            "seats": [{"ext": "8001", "answer_delay": 0.5}],
            "callers": {
                "arrivals": [
                    {"at": 0.0, "number": "13800000001", "name": "小明", "patience": 3},
                    {"at": 1.0, "number": "13800000002", "patience": 3},
                ]
            },
        }
    )
    async with running_sim() as sim, client(sim) as ami:
        await run_scenario(sim, scenario)
        calls = sorted(sim.calls.values(), key=lambda c: c.arrived)
        assert [c.number for c in calls] == ["13800000001", "13800000002"]
        assert all(c.outcome == "abandoned" and c.ended is not None for c in calls)
        first = await ami.saw("UserEvent", UserEvent="CallWaiting")
        assert first["ACDCallerName"] == "小明"
        assert sim.channels() == []
