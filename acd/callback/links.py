"""What the callback dialer needs to know of work orders: the order of a call.

The dialer links each callback to the work order of the call that was missed,
but work orders are a package downstream of the ACD; the composition root hands
the dialer a look-up (``workorders.lookup.work_order_for_call``) of this shape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession


class OrderRef(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def caller_number(self) -> str: ...


OrderLookup = Callable[[AsyncSession, str], Awaitable[OrderRef | None]]
