"""The embedded database's one-trip driver answers as SQLAlchemy's aiosqlite adapter does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError

from callcenter.kernel.db import make_engine
from callcenter.kernel.sqlite_driver import OneTripDbapi


async def test_rows_counts_ids_and_errors_come_back_from_one_trip(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'one.sqlite3'}")
    assert isinstance(engine.dialect.dbapi, OneTripDbapi)
    try:
        async with engine.begin() as db:
            await db.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
            inserted = await db.execute(text("INSERT INTO t (v) VALUES ('a')"))
            assert inserted.lastrowid == 1
            many = await db.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "b"}, {"v": "c"}])
            assert many.rowcount == 2
            updated = await db.execute(text("UPDATE t SET v = v || '!' WHERE id > 1"))
            assert updated.rowcount == 2
            rows = (await db.execute(text("SELECT id, v FROM t ORDER BY id"))).all()
            assert [tuple(row) for row in rows] == [(1, "a"), (2, "b!"), (3, "c!")]
            back = await db.execute(text("INSERT INTO t (v) VALUES ('d') RETURNING id"))
            assert back.scalar_one() == 4
        with pytest.raises(IntegrityError):
            async with engine.begin() as db:
                await db.execute(text("INSERT INTO t (v) VALUES ('a')"))
        async with engine.connect() as db:  # the refused insert rolled back; the rest stays
            assert (await db.execute(text("SELECT count(*) FROM t"))).scalar_one() == 4
    finally:
        await engine.dispose()


async def test_a_transaction_starts_on_its_first_statement_and_keeps_its_write_lock(
    tmp_path: Path,
) -> None:
    """BEGIN IMMEDIATE rides on the first statement's trip, yet still takes the write lock
    before that statement: a second writer waits for the first to commit; a rolled-back
    transaction leaves nothing; an empty one commits nothing and breaks nothing."""
    path = tmp_path / "lock.sqlite3"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    other = make_engine(f"sqlite+aiosqlite:///{path}")

    @event.listens_for(other.sync_engine, "connect")
    def _impatient(dbapi_connection: Any, _: Any) -> None:  # after make_engine's pragmas
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=50")
        cursor.close()

    try:
        async with engine.begin() as db:
            await db.execute(text("CREATE TABLE t (v TEXT)"))
        async with engine.begin() as db:  # nothing executed: nothing to begin or end
            pass
        async with engine.begin() as db:
            await db.execute(text("SELECT count(*) FROM t"))  # a read, yet the lock is held
            with pytest.raises(OperationalError, match="locked"):
                async with other.begin() as second:
                    await second.execute(text("SELECT count(*) FROM t"))
            await db.execute(text("INSERT INTO t VALUES ('kept')"))
        with pytest.raises(RuntimeError):
            async with engine.begin() as db:
                await db.execute(text("INSERT INTO t VALUES ('rolled back')"))
                raise RuntimeError
        async with other.begin() as second:  # free again once both ended
            rows = (await second.execute(text("SELECT v FROM t"))).scalars().all()
        assert rows == ["kept"]
    finally:
        await engine.dispose()
        await other.dispose()
