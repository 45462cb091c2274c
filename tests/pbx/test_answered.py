"""Inbound calls on the real Asterisk: answered, not answered, busy, unregistered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.pbx.floor import clear_floor, sign_in
from tests.pbx.stack import PbxStack, running
from tests.pbx.tools import Tools
from tests.pbx.watch import Api, AmiWatch, event, eventually

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def stack(pbx_tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PbxStack]:
    root: Path = tmp_path_factory.mktemp("pbx-calls")
    phones = {"8001": "auto", "8002": "auto", "8003": "manual", "8004": "absent",
              "8099": "auto", "8090": "auto"}  # fmt: skip
    with running(PbxStack(pbx_tools, root, phones=phones)) as stack:
        yield stack


@pytest.fixture
async def floor(stack: PbxStack) -> AsyncIterator[tuple[Api, AmiWatch]]:
    async with stack.api() as api, stack.ami() as ami:
        await clear_floor(stack, api)
        try:
            yield api, ami
        except BaseException:
            print(stack.diagnostics())
            raise


async def test_a_call_is_answered_by_the_agent_and_recorded(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    api, ami = floor
    await sign_in(api, "8001")
    caller = asyncio.create_task(stack.carrier.call("13800000001", digit="1", stay=3))

    dial = await ami.wait(event("DialEnd", DialStatus="ANSWER", DestChannel="PJSIP/8001-*"))
    assert (await api.seat("8001"))["state"] in ("ringing", "on_call")
    await ami.wait(event("BridgeEnter", Channel="PJSIP/8001-*"))
    call = await eventually(lambda: _answered(api, "13800000001"))
    assert call["seat"] == "8001" and call["agent"] == "agent-8001"
    assert call["skill"] == "psychological"

    assert await caller == 0
    await ami.wait(event("Hangup", Uniqueid=dial.text("Linkedid")))
    rows = stack.rows("select outcome, seat from calls where call_id = ?", dial.text("Linkedid"))
    assert [tuple(r) for r in rows] == [("answered", "8001")]
    orders = stack.rows("select count(*) from work_orders where call_id = ?", dial.text("Linkedid"))
    assert orders[0][0] == 1


async def _answered(api: Api, number: str) -> dict[str, object] | None:
    call = await api.call_of(number)
    return call if call and call["answered_at"] else None
