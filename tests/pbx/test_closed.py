"""Out of hours, and the configuration `callcenter asterisk-conf` writes, on the real Asterisk."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from acd.pbxconf.modules import LOADED
from tests.pbx.floor import sign_in
from tests.pbx.stack import PbxStack, running
from tests.pbx.tools import Tools
from tests.pbx.watch import event, eventually, user_event

pytestmark = pytest.mark.timeout(60)


def _closed_now() -> str:
    """Open hours that exclude this moment in the hotline's zone, whatever the hour."""
    local = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    start, end = local + timedelta(hours=2), local + timedelta(hours=3)
    return f"{start:%H:%M}-{end:%H:%M}"


@pytest.fixture(scope="module")
def stack(pbx_tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PbxStack]:
    root: Path = tmp_path_factory.mktemp("pbx-closed")
    phones = {"8001": "auto", "8002": "absent", "8099": "absent", "8090": "absent"}
    settings = {"CALLCENTER_OPEN_HOURS": _closed_now()}
    with running(PbxStack(pbx_tools, root, phones=phones, settings=settings)) as stack:
        yield stack


async def test_out_of_hours_the_caller_hears_the_closed_prompt_and_is_owed_a_callback(
    stack: PbxStack,
) -> None:
    async with stack.api() as api, stack.ami() as ami:
        await sign_in(api, "8001")
        assert await stack.carrier.call("13800000201", stay=20) == 0  # Asterisk hangs up
        offered = await ami.wait(user_event("CallbackOffered"))
        assert offered.text("Reason") == "closed"
        hangup = await ami.wait(event("Hangup", Uniqueid=offered.text("Linkedid")))
        waiting = await ami.wait(user_event("CallWaiting"))
        heard = (hangup.received_at - waiting.received_at).total_seconds()
        assert heard > 6.0, f"the closed prompt ({heard:.1f} s) was not played"
        log = (stack.root / "asterisk.out").read_text(errors="replace")
        assert "Playing 'custom/12355-closed.gsm'" in log
        assert not ami.all(event("DialBegin", Channel="PJSIP/trunk-*"))  # no seat rang

        call = await api.call_of("13800000201")
        assert call is not None and call["outcome"] == "closed"
        page = await api.get("/api/callbacks", number="13800000201")
        [task] = page["items"]
        assert task["status"] == "pending" and task["miss_count"] == 1


def test_asterisk_runs_exactly_the_modules_the_dialplan_needs(stack: PbxStack) -> None:
    listing = stack.asterisk.cli("module show")
    running_modules = {
        line.split()[0].removesuffix(".so")
        for line in listing.splitlines()
        if ".so " in line and " Running " in line
    }
    assert running_modules == set(LOADED)
    problems = [
        line
        for line in stack.asterisk.messages_log.read_text(errors="replace").splitlines()
        if " WARNING[" in line or " ERROR[" in line
    ]
    assert problems == []


async def test_a_phone_cannot_register_with_another_seats_password(
    stack: PbxStack, pbx_tools: Tools
) -> None:
    passwords = stack.asterisk.passwords()
    assert len(set(passwords.values())) == len(passwords)  # never one shared password
    impostor = stack.phone("8002", password=passwords["8001"])
    impostor.start()
    try:
        await asyncio.sleep(1.5)
        assert "8002/" not in stack.asterisk.cli("pjsip show contacts")
        refused = impostor.child.tail(40) if impostor.child else ""
        assert "401" in refused or "403" in refused
    finally:
        impostor.stop()
    legit = stack.phone("8002", password=passwords["8002"])
    legit.start()
    try:
        await eventually(
            lambda: asyncio.to_thread(lambda: "8002/" in stack.asterisk.cli("pjsip show contacts"))
        )
    finally:
        legit.stop()
