"""/metrics after simulated traffic: the counters equal the calls, from any worker.

Prometheus parses what it scrapes; so does this test (prometheus_client's own
parser), then compares the figures with the call records in the database.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from acd.models import Call
from acd.policy import RoutingPolicy
from callcenter.app import metrics as metrics_module
from callcenter.app.factory import create_app
from callcenter.app.system import System
from callcenter.kernel.settings import Settings
from tests.acd.acd_stack import Stack, acd_stack, until
from tests.staff import Staff

# Callers who give up after half a second count as abandoned, not as hesitant hang-ups.
POLICY = RoutingPolicy(wrapup_seconds=0.05, short_hangup_seconds=0.1)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample by (name, labels): the exposition as Prometheus would read it."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def scrape(system: System) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    transport = httpx.ASGITransport(app=create_app(system.runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://ops") as client:
        runtime = system.runtime
        ops = await Staff(client, runtime.sessions, runtime.settings).headers("ops")
        response = await client.get("/metrics", headers=ops)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return samples(response.text)


async def _one_answered_two_abandoned(stack: Stack) -> None:
    stack.login("a1", "8001")
    talking = stack.sim.place_call("13800000001", ivr_choice="0", talk_time=1000)
    await until(lambda: stack.seat("8001")["state"] == "on_call")
    for n in (2, 3):  # nobody free: they give up after half a second
        stack.sim.place_call(f"1380000000{n}", ivr_choice="0", patience=50)
    await until(lambda: len(stack.of_kind("CallMissed")) == 2)
    stack.sim.hangup_call(talking)
    await until(lambda: len(stack.of_kind("CallEnded")) == 3)
    await stack.system.runtime.bus.join()


async def test_counters_equal_the_calls_in_the_database(tmp_path: Path) -> None:
    async with acd_stack(tmp_path, policy=POLICY) as stack:
        await _one_answered_two_abandoned(stack)
        got = await scrape(stack.system)
        async with stack.system.runtime.sessions() as session:
            offered = await session.scalar(select(func.count()).select_from(Call))
            answered = await session.scalar(
                select(func.count()).select_from(Call).where(Call.answered_at.is_not(None))
            )
    assert got[("callcenter_calls_offered_total", ())] == offered == 3
    assert got[("callcenter_calls_answered_total", ())] == answered == 1
    assert got[("callcenter_calls_abandoned_total", ())] == 2
    assert got[("callcenter_calls_missed_total", (("reason", "abandoned"),))] == 2
    assert got[("callcenter_calls_missed_total", (("reason", "closed"),))] == 0
    assert got[("callcenter_queue_wait_seconds_count", ())] == 1
    assert got[("callcenter_ring_seconds_count", ())] == 1
    assert got[("callcenter_routing_decision_seconds_count", ())] >= 1
    # the exact recent figures the benchmark reads: as many decisions as the histogram
    timed = got[("callcenter_routing_decisions_timed", ())]
    assert timed == got[("callcenter_routing_decision_seconds_count", ())]
    p50, p99 = (
        got[("callcenter_routing_decision_recent_seconds", (("quantile", q),))]
        for q in ("0.5", "0.99")
    )
    assert 0 < p50 <= p99 < 1
    assert got[("callcenter_callback_backlog", ())] == 2  # one per abandoned caller
    assert got[("callcenter_escalations_raised_total", ())] == 0
    assert got[("callcenter_queue_length", ())] == 0
    assert got[("callcenter_ami_up", ())] == 1
    seats = {
        labels[0][1]: value for (name, labels), value in got.items() if name == "callcenter_seats"
    }
    assert seats["wrap_up"] + seats["available"] == 1 and seats["on_call"] == 0
    assert sum(seats.values()) == 21  # 20 seats and the callback seat


async def test_an_api_worker_serves_the_acd_process_figures_through_redis(
    tmp_path: Path, redis_url: str, redis_namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics_module, "PUBLISH_SECONDS", 0.05)
    async with acd_stack(
        tmp_path, policy=POLICY, redis_url=redis_url, hotline_id=redis_namespace
    ) as stack:
        await _one_answered_two_abandoned(stack)
        settings = Settings(
            database_url=stack.system.settings.database_url,
            redis_url=redis_url,
            hotline_id=redis_namespace,
            data_dir=tmp_path,
        )
        worker = System(settings, with_acd=False, with_services=False, migrate=False)
        await worker.start()
        try:
            offered = ("callcenter_calls_offered_total", ())
            acd_figures = await scrape(stack.system)
            for _ in range(100):
                from_worker = await scrape(worker)
                if from_worker.get(offered) == acd_figures[offered]:
                    break
                await asyncio.sleep(0.05)
        finally:
            await worker.stop()
    assert from_worker[offered] == 3
    assert from_worker[("callcenter_calls_abandoned_total", ())] == 2
    assert from_worker[("callcenter_callback_backlog", ())] == 2
    assert from_worker[("callcenter_metrics_age_seconds", ())] < 5
