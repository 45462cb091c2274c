"""The active ACD's fence: until when it may still send AMI actions. Pure; time comes in.

A lease renewed at database time T lasts until T + ttl in the standby's view.
The renewal was sent at local monotonic time ``sent_at`` and T is later than
that, so acting until ``sent_at + ttl - margin`` ends before the standby may
start; the margin covers the two clocks' drift over one ttl and the gap between
deciding to act and the action reaching Asterisk.
"""

from __future__ import annotations

from dataclasses import dataclass

CLOSED = float("-inf")


@dataclass
class Fence:
    ttl: float
    margin: float
    deadline: float = CLOSED

    def renewed(self, sent_at: float) -> None:
        """A renewal (or acquisition) sent at ``sent_at`` succeeded."""
        self.deadline = max(self.deadline, sent_at + self.ttl - self.margin)

    def close(self) -> None:
        self.deadline = CLOSED

    def open(self, now: float) -> bool:
        return now < self.deadline

    def remaining(self, now: float) -> float:
        return max(0.0, self.deadline - now)
