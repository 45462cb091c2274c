"""Run the Alembic history against the configured database (PostgreSQL or SQLite)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from alembic import command

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    return config


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Bring an empty or older database to the newest schema."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    if engine.dialect.name == "sqlite":
        _ensure_sqlite_folder(engine)
    async with engine.begin() as conn:
        await conn.run_sync(run)


def _ensure_sqlite_folder(engine: AsyncEngine) -> None:
    database = engine.url.database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
