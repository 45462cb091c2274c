"""GET /metrics: the hotline's Prometheus metrics, the same from every API worker.

The process that runs the ACD renders its call-flow and live-state metrics
(``callcenter.app.meters``) and, with Redis, publishes them every few seconds;
an extra API worker serves that copy with its age. Case metrics come from the
database on every scrape, in whichever worker answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from acd.callback.queries import open_backlog
from callcenter.app.parts import METRICS
from callcenter.kernel.auth import Permission, Principal, requires
from callcenter.kernel.deps import RuntimeDep, SessionDep
from callcenter.kernel.live import LiveState
from crisis.figures import EscalationCounts, escalation_counts

router = APIRouter(tags=["ops"])
log = logging.getLogger(__name__)
# ops accounts, or Prometheus with CALLCENTER_METRICS_TOKEN as its bearer token
Scraper = Annotated[Principal, Depends(requires(Permission.METRICS))]

SNAPSHOT = "metrics"
PUBLISH_SECONDS = 5.0  # read on every round, so a test may shorten it


async def publish_forever(render: Callable[[], str], live: LiveState) -> None:
    """In the ACD's process: keep a fresh copy of its metrics where other workers read it."""
    while True:
        with contextlib.suppress(Exception):  # Redis away: the next round tries again
            await live.put_snapshot(SNAPSHOT, {"text": render(), "at": time.time()})
        await asyncio.sleep(PUBLISH_SECONDS)


class _CaseCollector(Collector):
    def __init__(self, escalations: EscalationCounts, backlog: int) -> None:
        self._escalations, self._backlog = escalations, backlog

    def collect(self) -> Iterator[Metric]:
        counts = self._escalations
        yield CounterMetricFamily(
            "callcenter_escalations_raised", "Crisis escalations raised", value=counts.raised
        )
        yield CounterMetricFamily(
            "callcenter_escalations_acknowledged",
            "Crisis escalations the responders acknowledged",
            value=counts.acknowledged,
        )
        yield GaugeMetricFamily(
            "callcenter_escalations_overdue",
            "Open escalations past their acknowledgement or follow-up deadline",
            value=counts.overdue,
        )
        yield GaugeMetricFamily(
            "callcenter_callback_backlog",
            "Callbacks still owed to missed callers",
            value=self._backlog,
        )


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(
    principal: Scraper, runtime: RuntimeDep, session: SessionDep
) -> PlainTextResponse:
    local = runtime.find(METRICS)
    if local is not None:
        flow = local.render()
    else:
        flow = await _published(runtime.live)
    cases = CollectorRegistry(auto_describe=False)
    cases.register(
        _CaseCollector(
            await escalation_counts(session, runtime.clock.now()), await open_backlog(session)
        )
    )
    return PlainTextResponse(flow + generate_latest(cases).decode(), media_type=CONTENT_TYPE_LATEST)


async def _published(live: LiveState) -> str:
    """The ACD process's last copy, and how old it is (missing: no ACD has published)."""
    snapshot = await live.get_snapshot(SNAPSHOT)
    if not isinstance(snapshot, dict) or "text" not in snapshot:
        return ""
    age = max(0.0, time.time() - float(snapshot.get("at", 0.0)))
    stamp = (
        "# HELP callcenter_metrics_age_seconds Age of the ACD process's published metrics\n"
        "# TYPE callcenter_metrics_age_seconds gauge\n"
        f"callcenter_metrics_age_seconds {age}\n"
    )
    return str(snapshot["text"]) + stamp
