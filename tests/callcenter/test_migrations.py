"""One Alembic history takes an empty PostgreSQL and an empty SQLite to exactly the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from callcenter.app.discovery import import_all_models
from callcenter.kernel.db import make_engine
from callcenter.kernel.migrations import alembic_config, upgrade_to_head


async def test_history_reaches_the_models_on_both_stores(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        steps: list[tuple[str, int, int]] = []
        await upgrade_to_head(engine, lambda step, done, total: steps.append((step, done, total)))
        revisions = [
            r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()
        ]
        # The bar moves once per revision, oldest first, and ends full.
        assert [step for step, _, _ in steps[1:]] == revisions[::-1]
        assert steps[-1][1:] == (len(revisions), len(revisions))
        steps.clear()
        await upgrade_to_head(engine, lambda step, done, total: steps.append((step, done, total)))
        assert steps == [("schema", 0, 0)]  # a second upgrade is a no-op

        def differences(connection: Connection) -> list[object]:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            return list(compare_metadata(context, import_all_models()))

        def tables(connection: Connection) -> set[str]:
            return set(inspect(connection).get_table_names())

        async with engine.connect() as conn:
            assert await conn.run_sync(differences) == []
            assert {"calls", "work_orders", "agents"} <= await conn.run_sync(tables)
    finally:
        await engine.dispose()


def test_the_history_has_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
