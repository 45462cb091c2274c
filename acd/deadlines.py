"""The core's pending deadlines: max wait, crisis widening, ring guard, wrap-up end, leg wait.

A heap with lazy deletion: a deadline that no longer applies stays in the heap and
is skipped when it comes up, so adding and cancelling stay O(log n) with 1,000
waiting callers. The ``applies`` test must be monotone: a deadline it once rejects
is dropped for good. ``token`` tells apart two calls that reuse an id.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class DeadlineKind(StrEnum):
    MAX_WAIT = "max_wait"  # key: call id
    WIDEN = "widen"  # key: call id
    RING_GUARD = "ring_guard"  # key: call id
    WRAP_UP = "wrap_up"  # key: seat
    LEG_WAIT = "leg_wait"  # key: seat (its leg's Hangup is overdue)


@dataclass(frozen=True, order=True)
class Deadline:
    at: float
    seq: int
    kind: DeadlineKind = field(compare=False)
    key: str = field(compare=False)
    token: int = field(default=0, compare=False)


class Deadlines:
    def __init__(self) -> None:
        self._heap: list[Deadline] = []
        self._seq = 0

    def add(self, at: float, kind: DeadlineKind, key: str, token: int = 0) -> None:
        self._seq += 1
        heapq.heappush(self._heap, Deadline(at, self._seq, kind, key, token))

    def due(self, now: float, applies: Callable[[Deadline], bool]) -> Iterator[Deadline]:
        """Pop, in time order, every deadline at or before ``now`` that still applies."""
        heap = self._heap
        while heap and heap[0].at <= now:
            deadline = heapq.heappop(heap)
            if applies(deadline):
                yield deadline

    def next_at(self, applies: Callable[[Deadline], bool]) -> float | None:
        heap = self._heap
        while heap and not applies(heap[0]):
            heapq.heappop(heap)
        return heap[0].at if heap else None

    def __len__(self) -> int:
        return len(self._heap)
