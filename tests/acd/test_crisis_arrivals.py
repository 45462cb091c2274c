"""The whole system: every call's arrival counts for crisis's repeated-call rule, answered
or not (the recorder writes it with the call), so a third call within the hour flags the
number even when nobody took the first two."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from crisis.events import CallerFlagged
from crisis.models import CallerContact
from tests.acd.acd_stack import acd_stack, until

CALLER = "13800000001"


async def test_a_third_call_within_the_hour_flags_the_number(tmp_path: Path) -> None:
    async with acd_stack(tmp_path) as stack:
        missed = []
        for n in range(2):  # nobody is signed in: the caller gives up
            missed.append(stack.sim.place_call(CALLER, ivr_choice="0", patience=5))
            await until(lambda n=n: len(stack.of_kind("CallMissed")) > n, timeout=10)
        await stack.system.runtime.bus.join()
        stack.login("a1", "8001")
        third = stack.sim.place_call(CALLER, ivr_choice="0", talk_time=1)
        await until(lambda: bool(stack.of_kind("CallerFlagged")), timeout=10)
        (flagged,) = stack.of_kind("CallerFlagged")
        assert isinstance(flagged, CallerFlagged)
        assert flagged.reason == "repeated calls" and flagged.crisis is False
        assert flagged.call_id == third
        async with stack.system.runtime.sessions() as session:
            recorded = set(await session.scalars(select(CallerContact.call_id)))
        assert recorded == {*missed, third}
