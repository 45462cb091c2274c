"""Autogenerate an Alembic revision from the models (development tool).

Usage: .venv/bin/python scripts/make_migration.py "message"
Runs the history to head on a scratch SQLite file, then asks Alembic to compare.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from sqlalchemy.engine import Connection

from alembic import command
from callcenter.kernel.db import make_engine
from callcenter.kernel.migrations import alembic_config, upgrade_to_head


async def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(folder) / 'scratch.sqlite3'}")
        await upgrade_to_head(engine)

        def revise(connection: Connection) -> None:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.revision(config, message=message, autogenerate=True)

        async with engine.begin() as conn:
            await conn.run_sync(revise)
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "schema change"))
