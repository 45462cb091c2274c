"""Asterisk restarts under traffic: the link comes back and resyncs; the callers Asterisk
dropped are missed as 'dropped', each owed one callback; no row is doubled; seats go on."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from acd.callback.models import CallbackTask
from acd.events import MissReason
from acd.models import Call
from tests.acd.acd_stack import acd_stack, until
from workorders.models import WorkOrder


async def test_callers_dropped_by_an_asterisk_restart_are_called_back(
    tmp_path: Path, empty_pg_url: str
) -> None:
    async with acd_stack(tmp_path, time_scale=1.0, database_url=empty_pg_url) as stack:
        stack.login("a1", "8001")
        talking = stack.sim.place_call("13800000001", ivr_choice="0", talk_time=600)
        await until(lambda: stack.seat("8001")["state"] == "on_call", timeout=10)
        waiting = stack.sim.place_call("13800000002", ivr_choice="0")
        await until(lambda: bool(stack.of_kind("CallWaiting")), timeout=10)
        link = stack.system.link
        assert link is not None
        before = link.status.reconnects

        await stack.sim.restart(keep_calls=False, downtime=0.3)
        await until(lambda: link.status.reconnects > before and link.status.logged_in, timeout=15)
        await until(lambda: len(stack.of_kind("CallMissed")) == 1, timeout=10)
        missed = stack.of_kind("CallMissed")[0]
        assert missed.call_id == waiting
        assert missed.reason is MissReason.DROPPED  # type: ignore[attr-defined]
        await until(lambda: stack.seat("8001")["state"] in ("wrap_up", "available"), timeout=10)

        # After the restart the hotline works: the seat takes the next caller.
        await until(lambda: stack.seat("8001")["state"] == "available", timeout=10)
        after = stack.sim.place_call("13800000003", ivr_choice="0", talk_time=600)
        await until(lambda: stack.sim.calls[after].connected_seat == "8001", timeout=10)
        await stack.system.runtime.bus.join()

        async with stack.system.runtime.sessions() as session:
            calls = {c.call_id: c for c in (await session.scalars(select(Call))).all()}
            orders = await session.scalar(select(func.count()).select_from(WorkOrder))
            owed = (await session.scalars(select(CallbackTask))).all()
        assert set(calls) == {talking, waiting, after} and orders == 3
        assert calls[talking].outcome == "answered" and calls[talking].end_estimated
        assert calls[waiting].outcome == "dropped"
        assert [task.number for task in owed] == ["+8613800000002"]
