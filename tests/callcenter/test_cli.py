"""The command line: bad settings are named, and ``db upgrade`` migrates both stores."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from callcenter.app.cli import app
from callcenter.kernel.db import make_engine

runner = CliRunner()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CALLCENTER_AMI_PORT", "not-a-port"),
        ("CALLCENTER_TIMEZONE", "Mars/Olympus"),
        ("CALLCENTER_SEAT_EXTENSIONS", "8001,eight"),
        ("CALLCENTER_HTTP_PORT", "70000"),
    ],
)
def test_an_invalid_setting_stops_start_up_and_is_named(variable: str, value: str) -> None:
    result = runner.invoke(app, ["db", "upgrade"], env={variable: value})
    assert result.exit_code == 2
    assert variable in result.output


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:

            def names(connection: Connection) -> set[str]:
                return set(inspect(connection).get_table_names())

            return await conn.run_sync(names)
    finally:
        await engine.dispose()


def test_db_upgrade_brings_an_empty_database_to_head(empty_database_url: str) -> None:
    import asyncio

    result = runner.invoke(
        app, ["db", "upgrade"], env={"CALLCENTER_DATABASE_URL": empty_database_url}
    )
    assert result.exit_code == 0, result.output
    tables = asyncio.run(_tables(empty_database_url))
    assert {"alembic_version", "calls", "work_orders", "agents"} <= tables
