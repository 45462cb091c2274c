"""Where callback figures come from, kept apart from the callback dialer's own package.

The statistics take any ``CallbackSource``. The default reads a table named
``callback_tasks`` only if it exists, recognising its time columns by name, so
this package never imports the dialer's models.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Column, MetaData, Table, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import UTCDateTime
from workorders.stats.core import CallbackFact

CallbackSource = Callable[[AsyncSession, datetime, datetime], Awaitable[list[CallbackFact]]]

MISSED_COLUMNS = ("missed_at", "first_missed_at", "created_at")
REACHED_COLUMNS = ("reached_at", "completed_at", "done_at")
CALL_COLUMNS = ("call_id", "first_call_id")


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
    """Facts from ``callback_tasks`` when that table exists; none otherwise."""
    connection = await session.connection()
    names = await connection.run_sync(_columns)
    if names is None:
        return []
    missed, reached = _pick(names, MISSED_COLUMNS), _pick(names, REACHED_COLUMNS)
    if missed is None:
        return []
    call = _pick(names, CALL_COLUMNS)
    columns: list[Column[Any]] = [Column(missed, UTCDateTime())]
    if reached:
        columns.append(Column(reached, UTCDateTime()))
    if call:
        columns.append(Column(call))
    table = Table("callback_tasks", MetaData(), *columns)
    rows = await session.execute(
        select(table).where(table.c[missed] >= start, table.c[missed] < end)
    )
    return [
        CallbackFact(
            missed_at=row._mapping[missed],
            reached_at=row._mapping[reached] if reached else None,
            call_id=row._mapping[call] if call else None,
        )
        for row in rows
    ]
