"""Callback events on the bus: the desk pops the work order, the supervisor hears of spent tasks.

``call_id`` is the first missed call of the task, so every event of one
callback threads back to the call (and work order) that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.kernel.bus import DomainEvent


@dataclass(frozen=True, kw_only=True)
class CallbackCreated(DomainEvent):
    task_id: int
    number: str
    reason: str
    merged: bool  # a repeat miss folded into an open callback


@dataclass(frozen=True, kw_only=True)
class CallbackStarted(DomainEvent):
    """The dialer is ringing the callback seat: show this work order on its desk now."""

    task_id: int
    work_order_id: int | None
    number: str
    attempt_no: int
    seat: str


@dataclass(frozen=True, kw_only=True)
class CallbackAttemptEnded(DomainEvent):
    task_id: int
    work_order_id: int | None
    attempt_no: int
    outcome: str  # reached | no_answer | busy | failed | wrong_number | unknown
    task_status: str


@dataclass(frozen=True, kw_only=True)
class CallbackExhausted(DomainEvent):
    """Every attempt of the policy failed: a supervisor decides what happens next."""

    task_id: int
    work_order_id: int | None
    number: str
    attempts: int


@dataclass(frozen=True, kw_only=True)
class CallbackCancelled(DomainEvent):
    task_id: int
    reason: str
    linked_call_id: str | None = None
