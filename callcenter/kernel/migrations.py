"""Run the Alembic history against the configured database (PostgreSQL or SQLite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from alembic import command
from callcenter.kernel.progress import Progress, no_progress

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    return config


async def upgrade_to_head(engine: AsyncEngine, progress: Progress = no_progress) -> None:
    """Bring an empty or older database to the newest schema, one revision at a time."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        current = MigrationContext.configure(connection).get_current_heads()
        pending = list(
            ScriptDirectory.from_config(config).iterate_revisions("heads", current or None)
        )
        applied = 0

        def applied_one(*, step: Any, **_: Any) -> None:
            nonlocal applied
            applied += 1
            progress(str(step.up_revision_id), applied, len(pending))

        config.attributes["connection"] = connection
        config.attributes["on_version_apply"] = applied_one
        progress("schema", 0, len(pending))
        command.upgrade(config, "head")

    if engine.dialect.name == "sqlite":
        _ensure_sqlite_folder(engine)
    async with engine.begin() as conn:
        await conn.run_sync(run)


def _ensure_sqlite_folder(engine: AsyncEngine) -> None:
    database = engine.url.database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
