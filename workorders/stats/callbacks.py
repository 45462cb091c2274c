"""Where callback figures come from, kept apart from the callback dialer's own package.

The statistics take any ``CallbackSource``. The default reads a table named
``callback_tasks`` only if it exists, recognising its columns by name
(``first_missed_at``, ``first_attempt_at``, ``status``, ``first_call_id`` in
acd/callback today), so this package never imports the dialer's models.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.db import UTCDateTime
from workorders.stats.core import CallbackFact

CallbackSource = Callable[[AsyncSession, datetime, datetime], Awaitable[list[CallbackFact]]]

MISSED_COLUMNS = ("first_missed_at", "missed_at", "created_at")
CALLED_BACK_COLUMNS = ("first_attempt_at", "called_back_at")
CALL_COLUMNS = ("first_call_id", "call_id")
REACHED_STATUS = "reached"


def _columns(connection: Any) -> list[str] | None:
    inspector = inspect(connection)
    if not inspector.has_table("callback_tasks"):
        return None
    return [column["name"] for column in inspector.get_columns("callback_tasks")]


def _pick(names: list[str], candidates: tuple[str, ...]) -> str | None:
    return next((name for name in candidates if name in names), None)


async def callback_tasks_table(
    session: AsyncSession, start: datetime, end: datetime
) -> list[CallbackFact]:
    """Facts of the callbacks first missed in [start, end) when ``callback_tasks`` exists."""
    connection = await session.connection()
    names = await connection.run_sync(_columns)
    if names is None:
        return []
    missed = _pick(names, MISSED_COLUMNS)
    if missed is None:
        return []
    called_back, call = _pick(names, CALLED_BACK_COLUMNS), _pick(names, CALL_COLUMNS)
    status = "status" if "status" in names else None
    columns: list[Column[Any]] = [Column(missed, UTCDateTime())]
    if called_back:
        columns.append(Column(called_back, UTCDateTime()))
    for name in (call, status):
        if name:
            columns.append(Column(name, String()))
    table = Table("callback_tasks", MetaData(), *columns)
    rows = await session.execute(
        select(table).where(table.c[missed] >= start, table.c[missed] < end)
    )
    facts: list[CallbackFact] = []
    for row in rows:
        values = row._mapping
        reached = status is not None and values[status] == REACHED_STATUS
        first_attempt = values[called_back] if called_back else None
        facts.append(
            CallbackFact(
                missed_at=values[missed],
                called_back_at=first_attempt,
                reached=reached,
                call_id=values[call] if call else None,
            )
        )
    return facts
