"""A call that arrived in a surge is recorded in its campaign, whenever the row is written."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from acd.models import Call
from tests.acd.acd_stack import acd_stack, until


async def test_a_call_that_arrived_in_a_surge_keeps_its_campaign_though_the_surge_ended_first(
    tmp_path: Path,
) -> None:
    async with acd_stack(tmp_path) as stack:
        acd = stack.acd
        acd.command(lambda now: acd.core.set_surge(True, "exam results", now))
        stack.sim.place_call("13800000001", ivr_choice="0", talk_time=1000)
        stack.sim.place_call("13800000002", ivr_choice="0", talk_time=1000)
        await until(lambda: len(stack.of_kind("CallArrived")) == 2)
        # the supervisor ends the surge before the recorder has written the arrivals
        acd.command(lambda now: acd.core.set_surge(False, "", now))
        stack.sim.place_call("13800000003", ivr_choice="0", talk_time=1000)
        await until(lambda: len(stack.of_kind("CallArrived")) == 3)
        await stack.system.runtime.bus.join()
        async with stack.system.runtime.sessions() as session:
            calls = (await session.scalars(select(Call).order_by(Call.arrived_at))).all()
    assert {call.caller_number[-1]: call.campaign for call in calls} == {
        "1": "exam results",
        "2": "exam results",
        "3": None,
    }
