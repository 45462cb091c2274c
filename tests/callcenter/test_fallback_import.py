"""Importing the fallback's calls: a call, a work order and a callback, exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.callback.models import CallbackMiss, CallbackTask
from acd.callback.policy import CallbackPolicy
from acd.fallback.models import FallbackCall, FallbackPeriod
from acd.fallback.periods import open_period
from acd.fallback.records import FallbackRecord
from acd.models import Call
from callcenter.app.fallback import FallbackKeeper
from callcenter.app.fallback_import import ImportContext, import_record
from callcenter.app.parts import FALLBACK
from callcenter.kernel.db import transaction
from tests.acd.acd_stack import acd_stack, until
from workorders.models import WorkOrder

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
CONTEXT = ImportContext(
    hotline="12355",
    zone=ZoneInfo("Asia/Shanghai"),
    policy=CallbackPolicy(),
    agent_at=lambda seat: f"agent-{seat}",
    is_high_risk=lambda number: False,
)


def _record(uid: str, *, seat: str | None, number: str = "13800000001") -> FallbackRecord:
    entered = NOW - timedelta(seconds=60)
    return FallbackRecord(
        call_id=uid,
        number=number,
        skill="psychological",
        arrived_at=entered - timedelta(seconds=20),
        queued_at=entered - timedelta(seconds=10),
        entered_at=entered,
        ended_at=NOW - timedelta(seconds=5),
        seat=seat,
        answered_at=entered + timedelta(seconds=3) if seat else None,
    )


async def _count(sessions: Sessions, model: type, **where: object) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(model).filter_by(**where)
        return int(await session.scalar(query) or 0)


async def _import(sessions: Sessions, record: FallbackRecord) -> object:
    async with transaction(sessions) as session:
        return await import_record(session, record, CONTEXT, NOW)


async def test_an_answered_fallback_call_becomes_an_answered_call_with_its_work_order(
    sessions: Sessions,
) -> None:
    async with transaction(sessions) as session:
        await open_period(session, NOW - timedelta(seconds=90), NOW)
    await _import(sessions, _record("pbx-1.1", seat="8002"))
    async with sessions() as session:
        call = await session.get(Call, "pbx-1.1")
        assert call is not None
        assert (call.outcome, call.seat, call.agent, call.skill) == (
            "answered", "8002", "agent-8002", "psychological",
        )  # fmt: skip
        [order] = (await session.scalars(select(WorkOrder))).all()
        assert order.call_id == "pbx-1.1" and order.status == "in_progress"
        [period] = (await session.scalars(select(FallbackPeriod))).all()
        assert (period.calls, period.answered, period.abandoned) == (1, 1, 0)
    assert await _count(sessions, CallbackTask) == 0


async def test_an_abandoned_fallback_call_is_owed_a_callback(sessions: Sessions) -> None:
    await _import(sessions, _record("pbx-2.2", seat=None))
    async with sessions() as session:
        call = await session.get(Call, "pbx-2.2")
        assert call is not None and call.outcome == "abandoned" and call.ended_at is not None
        [task] = (await session.scalars(select(CallbackTask))).all()
        assert task.status == "pending" and task.first_call_id == "pbx-2.2"
        # no period was known (Asterisk restarted): the call opens one
        [period] = (await session.scalars(select(FallbackPeriod))).all()
        assert (period.calls, period.abandoned) == (1, 1)


async def test_importing_a_record_again_after_a_crash_before_its_deletion_writes_nothing(
    sessions: Sessions,
) -> None:
    """The ACD committed, then died before DBDelTree: the next import finds the record."""
    record = _record("pbx-3.3", seat=None)
    first = await _import(sessions, record)
    again = await _import(sessions, record)
    assert first.already is False and again.already is True
    for model in (Call, WorkOrder, CallbackTask, CallbackMiss, FallbackCall):
        assert await _count(sessions, model) == 1, model.__name__
    assert await _count(sessions, FallbackPeriod) == 1
    async with sessions() as session:
        [period] = (await session.scalars(select(FallbackPeriod))).all()
        assert period.calls == 1


# -- through the AMI simulator: heartbeat, seat mirror, import and deletion ---------------


@pytest.fixture
def slow_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test drives the keeper itself; its own loop stays out of the way."""
    monkeypatch.setenv("CALLCENTER_HEARTBEAT_SECONDS", "60")
    monkeypatch.setenv("CALLCENTER_FALLBACK_AFTER", "300")


async def test_the_active_acd_stamps_its_heartbeat_and_mirrors_logins_into_astdb(
    tmp_path: Path,
) -> None:
    async with acd_stack(tmp_path) as stack:
        await until(lambda: "ACD_HEARTBEAT" in stack.sim.global_vars)
        stamped = float(stack.sim.global_vars["ACD_HEARTBEAT"])
        assert abs(stamped - datetime.now(UTC).timestamp()) < 3
        stack.login("a1", "8001")
        await until(lambda: stack.sim.astdb.get("/acd-seats/8001") == "available")
        stack.acd.command(lambda now: stack.acd.core.pause("8001", "break", now))
        await until(lambda: stack.sim.astdb.get("/acd-seats/8001") == "paused")
        stack.acd.command(lambda now: stack.acd.core.logout("8001", now))
        await until(lambda: "/acd-seats/8001" not in stack.sim.astdb)


async def test_a_restarted_asterisk_has_a_heartbeat_again_as_soon_as_the_acd_logs_in(
    tmp_path: Path, slow_heartbeat: None
) -> None:
    """A restart loses the heartbeat: until the next one (a minute here) every new caller
    would go to the fallback queue, so the new login stamps one at once."""
    async with acd_stack(tmp_path) as stack:
        await until(lambda: "ACD_HEARTBEAT" in stack.sim.global_vars)
        await stack.sim.restart(keep_calls=False)
        assert "ACD_HEARTBEAT" not in stack.sim.global_vars
        await until(lambda: "ACD_HEARTBEAT" in stack.sim.global_vars, timeout=5)
        stamped = float(stack.sim.global_vars["ACD_HEARTBEAT"])
        assert abs(stamped - datetime.now(UTC).timestamp()) < 3


async def test_back_on_the_link_the_acd_saves_the_period_imports_and_deletes_the_records(
    tmp_path: Path, slow_heartbeat: None
) -> None:
    async with acd_stack(tmp_path) as stack:
        keeper: FallbackKeeper = stack.system.runtime.get(FALLBACK)
        await until(lambda: "ACD_HEARTBEAT" in stack.sim.global_vars)
        now = datetime.now(UTC).timestamp()
        stack.sim.global_vars["ACD_HEARTBEAT"] = str(int(now - 400))  # stale for 100 s
        uid = f"sim-{int(now) - 90}.4"
        for field, value in {"number": "13800000009", "skill": "general",
                             "queued": f"{now - 80}", "entered": f"{now - 60:.0f}",
                             "ended": f"{now - 30:.0f}"}.items():  # fmt: skip
            stack.sim.astdb[f"/acd-fallback/{uid}/{field}"] = value
        stack.sim.astdb[f"/acd-fallback/sim-{int(now)}.9/entered"] = f"{now:.0f}"  # still on

        # a takeover: the keeper sees this process become active again on the link
        stack.acd.stand_by()
        assert await keeper.beat() is False
        stack.acd.activate()
        assert await keeper.beat() is True
        assert float(stack.sim.global_vars["ACD_HEARTBEAT"]) >= now - 1  # fresh again
        await until(lambda: len(stack.sim.astdb) == 1)
        assert list(stack.sim.astdb) == [f"/acd-fallback/sim-{int(now)}.9/entered"]
        sessions = stack.system.runtime.sessions
        [period] = await eventually_one(sessions)
        assert abs(period.started_at.timestamp() - (now - 100)) < 2
        assert (period.calls, period.abandoned) == (1, 1)
        assert await keeper.import_records() == 0  # nothing left to import twice
        assert await _count(sessions, WorkOrder, call_id=uid) == 1
        assert await _count(sessions, CallbackMiss, call_id=uid) == 1


async def eventually_one(sessions: Sessions) -> list[FallbackPeriod]:
    """The periods once the import has counted its call into one."""
    for _ in range(100):
        async with sessions() as session:
            found = list((await session.scalars(select(FallbackPeriod))).all())
        if found and found[0].calls:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no period with calls: {found}")


async def test_a_database_outage_never_stops_the_heartbeat_and_the_import_waits_for_it(
    tmp_path: Path, empty_pg_url: str
) -> None:
    """A heartbeat that waited for the database would send callers to the fallback."""
    from acd.simulator import PbxSimulator
    from callcenter.app.system import System
    from callcenter.kernel.settings import Settings
    from tests.callcenter.test_database_outage import CuttableProxy, _through

    proxy = CuttableProxy(empty_pg_url)
    await proxy.start()
    sim = PbxSimulator(seats=["8001"], time_scale=0.01)
    await sim.start()
    settings = Settings(
        ami_port=sim.port,
        database_url=_through(proxy, empty_pg_url),
        data_dir=tmp_path,
        heartbeat_seconds=0.2,
    )
    system = System(settings)
    await system.start()
    try:
        assert system.acd is not None
        await until(lambda: "ACD_HEARTBEAT" in sim.global_vars)
        system.acd.stand_by()  # as if this process had been away: a takeover follows
        await asyncio.sleep(0.5)
        now = datetime.now(UTC).timestamp()
        sim.global_vars["ACD_HEARTBEAT"] = str(int(now - 100))
        uid = f"sim-{int(now) - 90}.1"
        for field, value in {"number": "13800000007", "entered": f"{now - 60:.0f}",
                             "ended": f"{now - 50:.0f}"}.items():  # fmt: skip
            sim.astdb[f"/acd-fallback/{uid}/{field}"] = value
        await proxy.cut()
        system.acd.activate()
        await until(lambda: float(sim.global_vars["ACD_HEARTBEAT"]) >= now - 1)
        first = float(sim.global_vars["ACD_HEARTBEAT"])
        await asyncio.sleep(1.5)
        assert float(sim.global_vars["ACD_HEARTBEAT"]) > first  # stamped on, database down
        assert f"/acd-fallback/{uid}/ended" in sim.astdb  # not imported: nothing lost

        await proxy.start()
        await until(lambda: not sim.astdb.get(f"/acd-fallback/{uid}/ended"), timeout=15)
        [period] = await eventually_one(system.runtime.sessions)
        assert abs(period.started_at.timestamp() - (now - 70)) < 2 and period.calls == 1
        assert await _count(system.runtime.sessions, WorkOrder, call_id=uid) == 1
    finally:
        await system.stop()
        await sim.stop()
