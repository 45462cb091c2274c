"""Alembic environment: one history for PostgreSQL (asyncpg) and SQLite (aiosqlite).

``callcenter.kernel.migrations`` hands a live connection in ``config.attributes``; the
``alembic`` command line gets the URL from ``CALLCENTER_DATABASE_URL``.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Connection

from alembic import context
from callcenter.app.discovery import import_all_models
from callcenter.kernel.db import make_engine
from callcenter.kernel.settings import Settings

target_metadata = import_all_models()


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        on_version_apply=context.config.attributes.get("on_version_apply"),
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = make_engine(Settings().database_url)
    async with engine.begin() as conn:
        await conn.run_sync(run_with)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_with(connection)
else:
    asyncio.run(run_online())
