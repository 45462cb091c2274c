"""The command line: bad settings are named, and ``db upgrade`` migrates both stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from callcenter.app.cli import app
from callcenter.kernel.db import make_engine
from callcenter.kernel.settings import Settings

runner = CliRunner()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CALLCENTER_AMI_PORT", "not-a-port"),
        ("CALLCENTER_TIMEZONE", "Mars/Olympus"),
        ("CALLCENTER_SEAT_EXTENSIONS", "8001,eight"),
        ("CALLCENTER_HTTP_PORT", "70000"),
        ("CALLCENTER_CALLBACK_DELAYS", "300,-5"),
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


@pytest.mark.usefixtures("restore_root_logging")
def test_serve_refuses_a_data_folder_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    result = runner.invoke(
        app,
        ["serve"],
        env={"CALLCENTER_DATA_DIR": str(blocker / "data"), "CALLCENTER_HTTP_PORT": "0"},
    )
    assert result.exit_code == 2
    assert "CALLCENTER_DATA_DIR" in result.output and "not writable" in result.output


def test_files_the_service_writes_live_under_the_data_folder(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    assert (
        settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'callcenter.sqlite3'}"
    )
    for path in (settings.journal_path, settings.dead_letter_path, settings.exports_dir):
        assert path.is_relative_to(tmp_path / "data")
    assert Settings(data_dir=Path("relative")).data_dir.is_absolute()
    assert Settings().data_dir == Path("/var/lib/callcenter")


@pytest.mark.usefixtures("restore_root_logging")
def test_an_api_only_worker_needs_redis_to_see_live_state(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--api-only"], env={"CALLCENTER_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2
    assert "CALLCENTER_REDIS_URL" in result.output
