"""The embedded database's one-trip driver answers as SQLAlchemy's aiosqlite adapter does."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

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
