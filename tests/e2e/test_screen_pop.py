"""The agent's screen pop carries the caller's history, pending callbacks included."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from acd.events import Skill
from callcenter.app.factory import create_app
from tests.acd.acd_stack import acd_stack, until
from tests.staff import Staff


async def test_a_returning_caller_pops_with_the_missed_call_and_its_callback(
    tmp_path: Path,
) -> None:
    async with acd_stack(tmp_path) as stack:
        bus_events = stack.events
        stack.login("a1", "8001", [Skill.PSYCHOLOGICAL, Skill.GENERAL])
        stack.acd.command(lambda now: stack.acd.core.pause("8001", "meal", now))
        first = stack.sim.place_call("13812345678", ivr_choice="1", patience=0.3)  # gives up
        await until(lambda: any(e.kind == "CallMissed" for e in bus_events), timeout=5)
        app = create_app(stack.system.runtime)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://desk"
        ) as anonymous:
            runtime = stack.system.runtime
            staff = Staff(anonymous, runtime.sessions, runtime.settings)
            http = await staff.client("agent", "a1")
            supervisor = await staff.client("supervisor")

            async def callbacks() -> list[dict[str, object]]:
                page = (await http.get("/api/callbacks")).json()
                items: list[dict[str, object]] = page["items"]
                return items

            for _ in range(200):
                if await callbacks():
                    break
                await stack.system.runtime.bus.join()
            assert len(await callbacks()) == 1
            await stack.system.runtime.bus.join()  # the recorder has written the first order
            first_order = (await supervisor.get("/api/workorders")).json()["items"][0]
            assert first_order["call_id"] == first
            first_order = first_order["number"]

            stack.acd.command(lambda now: stack.acd.core.resume("8001", now))
            second = stack.sim.place_call("13812345678", ivr_choice="1", talk_time=30)
            await until(lambda: any(e.kind == "ScreenPop" for e in bus_events), timeout=5)
            pop = next(e for e in bus_events if e.kind == "ScreenPop")
            assert pop.call_id == second and pop.seat == "8001"  # type: ignore[attr-defined]
            url = f"/api/workorders/{pop.order_id}/context"  # type: ignore[attr-defined]
            reply = await http.get(url)
            for _ in range(100):  # open to a1 once the seat board shows the call at their seat
                if reply.status_code != 403:
                    break
                await asyncio.sleep(0.02)
                reply = await http.get(url)
            context = reply.json()
            assert context["order"]["caller_number"] == "+8613812345678"
            assert [o["number"] for o in context["previous_orders"]] == [first_order]
            assert [c["misses"] for c in context["pending_callbacks"]] == [1]
