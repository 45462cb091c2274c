"""A copy of the database alone gives away no caller's number and no case note.

The test writes a caller's whole story through the application (call, work
order with notes, referral, callback, crisis flag), then dumps the tables as an
attacker with the database but not the keys would (pg_dump on PostgreSQL; every
raw row on SQLite) and greps the dump. The application still reads it all back.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from acd.callback import store as callbacks
from acd.callback.policy import CallbackPolicy
from acd.events import MissReason
from acd.models import Call
from callcenter.app.discovery import import_all_models
from callcenter.app.sealing import rotate, sealed_tables
from callcenter.kernel.crypto import Keyring, install, keyring
from callcenter.kernel.db import make_engine, make_sessionmaker, transaction
from callcenter.kernel.migrations import upgrade_to_head
from callcenter.kernel.settings import Settings
from crisis import store as crisis_store
from tests.callcenter.test_backup_restore import _libpq, _server_major, _tool
from workorders.context import caller_context
from workorders.lifecycle import Status
from workorders.models import WorkOrder
from workorders.referrals.models import Referral, Site
from workorders.retention import apply_retention
from workorders.service import change_status, mark_answered, open_for_call, update_fields
from workorders.stats.core import Grouping
from workorders.stats.queries import compute_stats

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")
NUMBER = "13812345678"
NOTE = "孩子说在天台上想跳下去-唯一的笔记"
REFERRAL_NOTE = "请当地老师上门-转介说明"
SECRETS = (NUMBER, NOTE, REFERRAL_NOTE, "8613812345678", "天台上想跳")


async def story(sessions: async_sessionmaker[AsyncSession]) -> int:
    """One caller's story through the application's own writes; the order's id."""
    async with transaction(sessions) as session:
        session.add(Call(call_id="c1", caller_number=f"+86{NUMBER}", arrived_at=T0))
        order = await open_for_call(session, call_id="c1", caller_number=NUMBER, at=T0, zone=ZONE)
        await mark_answered(session, call_id="c1", seat="8001", agent="a01", at=T0)
        await update_fields(session, order.id, {"summary": NOTE}, actor="a01", at=T0)
        site = Site(name="示例站点", city="郑州市")
        session.add(site)
        await session.flush()
        session.add(
            Referral(
                order_id=order.id, site_id=site.id, reason=REFERRAL_NOTE, sent_by="a01",
                sent_at=T0, accept_due_at=T0 + timedelta(days=1),
            )
        )  # fmt: skip
        await callbacks.record_miss(
            session, number=f"+86{NUMBER}", dial_number=NUMBER, call_id="c0",
            reason=MissReason.ABANDONED, waited_seconds=3, missed_at=T0, high_risk=False,
            work_order_id=order.id, policy=CallbackPolicy(),
        )  # fmt: skip
        await crisis_store.set_flag(session, f"+86{NUMBER}", "history", T0, None)
        return order.id


def dump(url: str, folder: Path) -> str:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.split("///", 1)[1]) as conn:
            return "\n".join(conn.iterdump())  # every raw row of every table
    major = asyncio.run(_server_major(url))
    out = subprocess.run(
        [_tool("pg_dump", major), "--data-only", _libpq(url)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout


async def test_a_dump_shows_no_number_and_no_note(empty_database_url: str, tmp_path: Path) -> None:
    engine = make_engine(empty_database_url)
    try:
        await upgrade_to_head(engine)
        sessions = make_sessionmaker(engine)
        order_id = await story(sessions)
        dumped = await asyncio.to_thread(dump, empty_database_url, tmp_path)
        assert "enc1:demo:" in dumped and "h1:" in dumped  # the rows are there, sealed
        for secret in SECRETS:
            assert secret not in dumped, f"{secret!r} readable in a dump"
        async with transaction(sessions) as session:  # while the application reads it all
            context = await caller_context(session, order_id)
            flagged = await crisis_store.flagged_numbers(session)
            referral = await session.scalar(select(Referral.reason))
        assert context.order.caller_number == f"+86{NUMBER}"
        assert context.order.summary == NOTE
        assert flagged == {f"+86{NUMBER}": "history"}
        assert referral == REFERRAL_NOTE
    finally:
        await engine.dispose()


def _ring(keys: str) -> Keyring:
    return Keyring.from_settings(Settings(encryption_keys=keys))


async def test_rotation_reseals_every_row_under_the_new_key(db_engine: AsyncEngine) -> None:
    old, new = "old:" + "A" * 43 + "=", "new:" + "B" * 43 + "="
    sessions = make_sessionmaker(db_engine)
    previous = keyring()
    try:
        install(_ring(old))
        order_id = await story(sessions)
        async with db_engine.begin() as conn:  # a row from before encryption: plaintext
            await conn.execute(text("UPDATE calls SET caller_number = '+8613900000000'"))
        install(both := _ring(f"{new},{old}"))
        seen: list[tuple[str, int, int]] = []
        tables = sealed_tables(iter(import_all_models().sorted_tables))
        rewritten = await rotate(db_engine, tables, both, lambda *step: seen.append(step))
        assert rewritten >= 6 and ("work_orders", 1, 1) in seen
        assert await rotate(db_engine, tables, both, lambda *_: None) == 0  # nothing left
        async with db_engine.connect() as conn:
            stored = (
                await conn.execute(text("SELECT caller_number, summary FROM work_orders"))
            ).one()
            call = (await conn.execute(text("SELECT caller_number FROM calls"))).scalar_one()
        assert all(value.startswith("enc1:new:") for value in (*stored, call))
        install(_ring(new))  # the old key is gone: everything still reads
        async with transaction(sessions) as session:
            order = await session.get(WorkOrder, order_id)
            assert order is not None and order.summary == NOTE
            assert (await session.get(Call, "c1")).caller_number == "+8613900000000"  # type: ignore[union-attr]
    finally:
        install(previous)


async def test_retention_removes_numbers_and_notes_and_keeps_the_figures(
    db_engine: AsyncEngine,
) -> None:
    sessions = make_sessionmaker(db_engine)
    order_id = await story(sessions)
    async with transaction(sessions) as session:
        crisis = await open_for_call(
            session, call_id="c9", caller_number="13900000009", at=T0, zone=ZONE
        )
        await mark_answered(session, call_id="c9", seat="8002", agent="a02", at=T0)
        await update_fields(session, crisis.id, {"risk_level": "imminent"}, actor="a02", at=T0)
        for order in (order_id, crisis.id):
            for status in (Status.RESOLVED, Status.CLOSED):
                await change_status(session, order, status, actor="a01", at=T0)
    zone = Settings().zone

    async def figures() -> object:
        async with transaction(sessions) as session:
            report = await compute_stats(session, T0.date(), T0.date(), Grouping.MONTH, zone=zone)
        return report.total

    before = await figures()
    later = T0 + timedelta(days=400)
    dry = await apply_retention(
        sessions, now=later, days=365, dry_run=True, progress=lambda *_: None
    )
    assert (dry.due, dry.anonymised) == (1, 0)
    done = await apply_retention(
        sessions, now=later, days=365, dry_run=False, progress=lambda *_: None
    )
    assert done.anonymised == 1
    async with transaction(sessions) as session:
        kept = await session.get(WorkOrder, crisis.id)
        gone = await session.get(WorkOrder, order_id)
        assert kept is not None and kept.caller_number == "+8613900000009"  # a crisis case
        assert gone is not None and (gone.caller_number, gone.summary) == ("", "")
        assert gone.category == kept.category and gone.closed_at is not None
        assert await session.scalar(select(Referral.reason)) == ""
    assert await figures() == before  # the statistics do not change
    again = await apply_retention(
        sessions, now=later, days=365, dry_run=True, progress=lambda *_: None
    )
    assert again.due == 0
