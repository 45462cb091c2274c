"""The latest routing decision times, kept exactly, for quantiles at scrape time.

The Prometheus histogram's buckets are too coarse to tell 1.1 ms from 1.4 ms at
the 99th percentile. Recording is one append to a bounded deque (cheap on the
hot path); sorting happens only when somebody scrapes /metrics.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

KEEP = 4096
QUANTILES = (0.5, 0.9, 0.99, 1.0)


class RecentDecisionTimes(Collector):
    """Seconds from reading the AMI frame to writing the routing action, the last ``KEEP``."""

    def __init__(self, keep: int = KEEP) -> None:
        self.samples: deque[float] = deque(maxlen=keep)
        self.total = 0

    def observe(self, seconds: float) -> None:
        self.samples.append(seconds)
        self.total += 1

    def quantile(self, q: float) -> float:
        ordered = sorted(self.samples)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "callcenter_routing_decision_recent_seconds",
            f"Quantiles of the last {self.samples.maxlen} routing decision times",
            labels=["quantile"],
        )
        for q in QUANTILES:
            family.add_metric([str(q)], self.quantile(q))
        yield family
        yield GaugeMetricFamily(
            "callcenter_routing_decisions_timed",
            "Routing decisions timed since start",
            value=float(self.total),
        )
