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
        self.cpu_samples: deque[float] = deque(maxlen=keep)
        self.total = 0

    def observe(self, seconds: float, cpu_seconds: float = 0.0) -> None:
        self.samples.append(seconds)
        self.cpu_samples.append(cpu_seconds)
        self.total += 1

    def quantile(self, q: float, *, cpu: bool = False) -> float:
        ordered = sorted(self.cpu_samples if cpu else self.samples)
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
        cpu = GaugeMetricFamily(
            "callcenter_routing_decision_recent_cpu_seconds",
            "The same decisions' CPU time in the ACD's thread (the rest of the wall time "
            "was spent waiting for the interpreter or the processor)",
            labels=["quantile"],
        )
        for q in QUANTILES:
            cpu.add_metric([str(q)], self.quantile(q, cpu=True))
        yield cpu
        yield GaugeMetricFamily(
            "callcenter_routing_decisions_timed",
            "Routing decisions timed since start",
            value=float(self.total),
        )
