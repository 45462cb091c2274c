"""What staffing takes from the composition root: the call history, which the ACD records.

The calls table belongs to acd/, a layer above seats/; the application floor hands
``acd.records.call_history`` in, so this package never imports acd.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.runtime import Slot
from seats.staffing.forecast import CallFact

# (session, start, end) → the calls that arrived in [start, end), and when the history begins.
CallHistory = Callable[
    [AsyncSession, datetime, datetime], Awaitable[tuple[list[CallFact], datetime | None]]
]
CALL_HISTORY: Slot[CallHistory] = Slot("call history")
