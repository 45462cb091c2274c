"""How the ACD reacts to what other packages decide, wired once in the composition root.

Synchronous bus observers: they run inside ``publish`` and only touch the
in-memory routing core, so they never wait on I/O.

- a submitted work order ends the agent's wrap-up (a high-risk one first
  lengthens it and counts toward the agent's debrief);
- a work order set to high or imminent risk during the call marks the call;
- a number the crisis team flags gets priority (a crisis flag: crisis-qualified agents).
"""

from __future__ import annotations

import logging

from acd.policy import flag_priority
from acd.service import AcdService
from callcenter.kernel.bus import DomainEvent, EventBus
from seats.state import SeatError

log = logging.getLogger(__name__)

HIGH_RISK = {"high", "imminent"}


def connect_acd_reactions(bus: EventBus, acd: AcdService) -> None:
    def react(event: DomainEvent) -> None:
        kind = event.kind
        if kind in ("WorkOrderUpdated", "WorkOrderSubmitted") and event.call_id:
            if getattr(event, "risk_level", "") in HIGH_RISK:
                acd.core.mark_high_risk(event.call_id)
        if kind == "WorkOrderSubmitted":
            seat = getattr(event, "seat", None)
            if seat:
                _end_wrapup(acd, seat)
        elif kind == "CallerFlagged":
            priority = flag_priority(bool(getattr(event, "crisis", True)))
            acd.core.set_caller_priority(getattr(event, "number", ""), priority)
            acd.tick()  # a waiting caller just flagged needs its widening deadline scheduled

    bus.observe(react)


def _end_wrapup(acd: AcdService, seat: str) -> None:
    try:
        acd.command(lambda now: acd.core.wrapup_done(seat, now))
    except SeatError as exc:  # the wrap-up may already have ended on its own
        log.debug("wrap-up of %s not ended: %s", seat, exc.reason)
