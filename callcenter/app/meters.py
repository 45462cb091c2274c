"""The hotline's Prometheus metrics, in three parts by where the truth lives.

- Call flow (counters and histograms): fed by the bus in the process that runs
  the ACD, the one place every call event passes. A synchronous observer: an
  increment, off the AMI → routing → action path's critical section.
- Live state (gauges): seats by state, the queue, the AMI link, the recorder's
  journal and the bus, read from the running parts at scrape time.
- Case state (from the database, at scrape time): escalations raised and
  acknowledged, those past their deadline, the callback backlog. Read from the
  database because any API worker may acknowledge an escalation.

The ACD process renders the first two into Redis every few seconds, so an
extra API worker answers ``/metrics`` with the same figures (``publish``).
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from acd.ami import AmiLink
from acd.callback.events import CallbackAttemptEnded, CallbackStarted
from acd.events import CallArrived, CallConnected, CallMissed, MissReason, SeatRinging
from acd.service import AcdService
from callcenter.app.decision_times import RecentDecisionTimes
from callcenter.app.recorder import Recorder
from callcenter.kernel.bus import DomainEvent, EventBus
from seats.state import SeatState

# Routing decisions are sub-millisecond; waits are seconds to minutes.
DECISION_BUCKETS = (0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
WAIT_BUCKETS = (1, 5, 10, 20, 30, 60, 120, 300, 600)
RING_BUCKETS = (0.5, 1, 2, 5, 10, 15, 20, 30, 60)
FORGET_AFTER = 10_000  # calls remembered for wait and ring times (a bound, not a leak)


class CallFlowMeters:
    """Counters and histograms of the calls, fed by the bus."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.offered = Counter(
            "callcenter_calls_offered", "Inbound calls that reached the hotline", registry=registry
        )
        self.answered = Counter(
            "callcenter_calls_answered", "Inbound calls a counsellor answered", registry=registry
        )
        self.abandoned = Counter(
            "callcenter_calls_abandoned",
            "Callers who hung up while waiting",
            registry=registry,
        )
        self.missed = Counter(
            "callcenter_calls_missed",
            "Calls no counsellor answered, by reason (each becomes a callback)",
            ["reason"],
            registry=registry,
        )
        self.callbacks_attempted = Counter(
            "callcenter_callbacks_attempted", "Callback dial attempts", registry=registry
        )
        self.callbacks_reached = Counter(
            "callcenter_callbacks_reached", "Callbacks that reached the caller", registry=registry
        )
        self.decision_seconds = Histogram(
            "callcenter_routing_decision_seconds",
            "From the AMI event that frees a seat or brings a caller to the routing action",
            buckets=DECISION_BUCKETS,
            registry=registry,
        )
        self.queue_wait_seconds = Histogram(
            "callcenter_queue_wait_seconds",
            "From a call's arrival to a counsellor answering",
            buckets=WAIT_BUCKETS,
            registry=registry,
        )
        self.ring_seconds = Histogram(
            "callcenter_ring_seconds",
            "How long a seat rang before it was answered",
            buckets=RING_BUCKETS,
            registry=registry,
        )
        for reason in MissReason:  # every reason shows, at zero, before its first miss
            self.missed.labels(reason.value)
        self._arrived: dict[str, datetime] = {}
        self._ringing: dict[str, datetime] = {}

    def observe(self, event: DomainEvent) -> None:
        match event:
            case CallArrived(call_id=str(call_id)):
                self.offered.inc()
                _remember(self._arrived, call_id, event.at)
            case SeatRinging(call_id=str(call_id)) if call_id in self._arrived:
                _remember(self._ringing, call_id, event.at)
            case CallConnected(call_id=str(call_id)) if call_id in self._arrived:
                self.answered.inc()
                arrived = self._arrived.pop(call_id)
                self.queue_wait_seconds.observe(_seconds(arrived, event.at))
                ringing = self._ringing.pop(call_id, None)
                if ringing is not None:
                    self.ring_seconds.observe(_seconds(ringing, event.at))
            case CallMissed(call_id=str(call_id), reason=reason):
                self.missed.labels(reason.value).inc()
                if reason is MissReason.ABANDONED:
                    self.abandoned.inc()
                self._arrived.pop(call_id, None)
                self._ringing.pop(call_id, None)
            case CallbackStarted():
                self.callbacks_attempted.inc()
            case CallbackAttemptEnded(outcome="reached"):
                self.callbacks_reached.inc()


class LiveStateCollector(Collector):
    """Gauges read off the running parts at scrape time (nothing is copied in between)."""

    def __init__(
        self,
        acd: Callable[[], AcdService | None],
        link: Callable[[], AmiLink | None],
        recorder: Callable[[], Recorder | None],
        bus: EventBus,
    ) -> None:
        self._acd, self._link, self._recorder, self._bus = acd, link, recorder, bus

    def collect(self) -> Iterator[Metric]:
        yield from self._acd_state()
        link = self._link()
        if link is not None:
            status = link.status
            yield _gauge("callcenter_ami_up", "1 while the AMI link is logged in", status.logged_in)
            yield _gauge(
                "callcenter_ami_reconnects", "AMI reconnects since start", status.reconnects
            )
            yield _gauge(
                "callcenter_ami_queue_depth", "AMI events awaiting the ACD", status.queue_depth
            )
        recorder = self._recorder()
        if recorder is not None:
            yield _gauge(
                "callcenter_journal_depth",
                "Events journalled while the database was away, awaiting replay",
                len(recorder.journal),
            )
            yield _gauge(
                "callcenter_dead_letters", "Events the database refused", len(recorder.dead_letters)
            )
        backlog = GaugeMetricFamily(
            "callcenter_bus_backlog", "Events queued per bus subscriber", labels=["subscriber"]
        )
        for name, depth in sorted(self._bus.backlog().items()):
            backlog.add_metric([name], depth)
        yield backlog

    def _acd_state(self) -> Iterator[Metric]:
        acd = self._acd()
        if acd is None:
            return
        now = acd.now()
        seats = GaugeMetricFamily("callcenter_seats", "Seats by state", labels=["state"])
        counts = Tally(view.state for view in acd.core.seats_view(now))
        for state in SeatState:  # every state shows, at zero too, so a panel never has gaps
            seats.add_metric([state.value], counts[state.value])
        yield seats
        queue = acd.core.queue_view(now)  # waiting callers, then those ringing at a seat
        waiting = [view for view in queue if view.position is not None]
        yield _gauge("callcenter_queue_length", "Callers waiting for a seat", len(waiting))
        longest = max((view.waited for view in queue), default=0.0)
        yield _gauge("callcenter_queue_longest_wait_seconds", "The longest wait now", longest)


def _gauge(name: str, help_text: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, help_text, value=float(value))


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


def _remember(memory: dict[str, datetime], call_id: str, at: datetime) -> None:
    memory[call_id] = at
    if len(memory) > FORGET_AFTER:  # calls whose end we never saw (a lost AMI event)
        memory.pop(next(iter(memory)))


class HotlineMetrics:
    """This process's call-flow and live-state metrics (the process that runs the ACD)."""

    def __init__(
        self,
        bus: EventBus,
        acd: Callable[[], AcdService | None],
        link: Callable[[], AmiLink | None],
        recorder: Callable[[], Recorder | None],
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.flow = CallFlowMeters(self.registry)
        self.recent_decisions = RecentDecisionTimes()
        self.registry.register(self.recent_decisions)
        self.registry.register(LiveStateCollector(acd, link, recorder, bus))

    def observe_decision(self, seconds: float, cpu_seconds: float) -> None:
        """The ACD's hook: one routing decision took ``seconds`` from its AMI frame."""
        self.flow.decision_seconds.observe(seconds)
        self.recent_decisions.observe(seconds, cpu_seconds)

    def render(self) -> str:
        return generate_latest(self.registry).decode()
