"""The command line: bad settings are named, and ``db upgrade`` migrates both stores."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from callcenter.app.cli import app
from callcenter.kernel.db import make_engine
from callcenter.kernel.settings import Settings

runner = CliRunner()
# A deployment's own secrets: serve starts only with these set (see the refusal test below).
SECRETS = {
    "CALLCENTER_AMI_SECRET": "ami-secret-of-this-site",
    "CALLCENTER_TOKEN_SECRET": "t" * 40,
    "CALLCENTER_ENCRYPTION_KEYS": "k2026:" + base64.b64encode(b"k" * 32).decode(),
    "CALLCENTER_LOOKUP_KEY": "l" * 40,
}


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
        env={**SECRETS, "CALLCENTER_DATA_DIR": str(blocker / "data"), "CALLCENTER_HTTP_PORT": "0"},
    )
    assert result.exit_code == 2
    assert "CALLCENTER_DATA_DIR" in result.output and "not writable" in result.output


def test_files_the_service_writes_live_under_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    assert (
        settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'callcenter.sqlite3'}"
    )
    for path in (settings.journal_path, settings.dead_letter_path, settings.exports_dir):
        assert path.is_relative_to(tmp_path / "data")
    assert Settings(data_dir=Path("relative")).data_dir.is_absolute()
    monkeypatch.delenv("CALLCENTER_DATA_DIR")
    assert Settings().data_dir == Path("/var/lib/callcenter")


@pytest.mark.usefixtures("restore_root_logging")
def test_an_api_only_worker_needs_redis_to_see_live_state(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["serve", "--api-only"], env={**SECRETS, "CALLCENTER_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code == 2
    assert "CALLCENTER_REDIS_URL" in result.output


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CALLCENTER_AMI_SECRET", "acd-secret"),
        ("CALLCENTER_TOKEN_SECRET", ""),
        ("CALLCENTER_ENCRYPTION_KEYS", None),
        ("CALLCENTER_LOOKUP_KEY", "short"),
        ("CALLCENTER_CRISIS_WEBHOOK_SECRET", ""),
    ],
)
def test_serve_refuses_a_demo_or_empty_secret_and_names_it(
    variable: str, value: str | None
) -> None:
    env = {**SECRETS, "CALLCENTER_CRISIS_WEBHOOK_URL": "https://police.example/hook"}
    env["CALLCENTER_CRISIS_WEBHOOK_SECRET"] = "webhook-secret-0123456789"
    if value is None:
        del env[variable]  # left at the built-in demo value
    else:
        env[variable] = value
    result = runner.invoke(app, ["serve"], env=env)
    assert result.exit_code == 2
    assert variable in result.output
    for secret in SECRETS.values():
        assert secret not in result.output  # a secret is named, never shown
