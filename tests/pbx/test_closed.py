"""Out of hours, and the configuration `callcenter asterisk-conf` writes, on the real Asterisk."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from acd.pbxconf.modules import LOADED
from callcenter.app.check import pbx
from callcenter.app.check.pbx import ami_session
from callcenter.kernel.settings import Settings
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
        await eventually(lambda: asyncio.to_thread(_registered, stack, "8002"))
    finally:
        legit.stop(unregister=True)
    # The next test counts registered seats: 8002 leaves as it came.
    await eventually(lambda: asyncio.to_thread(lambda: not _registered(stack, "8002")))


def _registered(stack: PbxStack, seat: str) -> bool:
    return f"{seat}/" in stack.asterisk.cli("pjsip show contacts")


# -- callcenter check against this Asterisk ------------------------------------------------


def _check_env(stack: PbxStack, **extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(stack.root),
        **stack.asterisk.env,
        **stack.serve_env,
        "CALLCENTER_CRISIS_WEBHOOK_URL": "https://localhost/hand-offs",
        "CALLCENTER_CRISIS_WEBHOOK_SECRET": "pbx-suite-webhook-secret",
        **extra,
    }


def _settings(stack: PbxStack, **overrides: object) -> Settings:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _check_env(stack).items():
            patch.setenv(name, value)
        return Settings(**overrides)  # type: ignore[arg-type]


def test_check_passes_on_the_installation_this_suite_built(stack: PbxStack) -> None:
    cli = Path(sys.executable).with_name("callcenter")
    result = subprocess.run(
        [str(cli), "check"], env=_check_env(stack), capture_output=True, text=True, timeout=60
    )
    print(result.stdout)  # the operator's view, shown with -s
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert all(line.startswith("PASS") for line in lines[:-1]), result.stdout
    seats = next(line for line in lines if " seats " in line)
    assert "1 of 3 registered (not registered: 8002, 8099)" in seats


async def test_check_fails_a_wrong_secret_a_missing_permission_a_dialplan_gap_and_a_seat(
    stack: PbxStack,
) -> None:
    async with ami_session(_settings(stack, ami_secret="wrong")) as refused:
        assert isinstance(refused, str)
        wrong_secret = pbx.login(_settings(stack), refused)
        assert not wrong_secret.ok

    # An AMI user without ``originate``: the check names the action and the class.
    manager = stack.asterisk.etc / "manager.conf"
    original = manager.read_text()
    manager.write_text(
        original + "\n[limited]\nsecret = limited-secret\npermit = 127.0.0.0/255.0.0.0\n"
        "read = call,system\nwrite = call,reporting,system\n"
    )
    stack.asterisk.cli("manager reload")
    try:
        limited = _settings(stack, ami_username="limited", ami_secret="limited-secret")
        async with ami_session(limited) as link:
            assert not isinstance(link, str), link
            denied = await pbx.permissions(limited, link)
    finally:
        manager.write_text(original)
        stack.asterisk.cli("manager reload")
    assert not denied.ok and "Originate refused" in denied.detail
    assert "add originate to write= of [limited]" in denied.fix

    wrong_number = _settings(stack, hotline_number="12356")
    unknown_seat = _settings(stack, seat_extensions=["8001", "8002", "8050"])
    async with ami_session(wrong_number) as link:
        assert not isinstance(link, str)
        gap = await pbx.dialplan(wrong_number, link)
        missing_seat = await pbx.seats(unknown_seat, link)
    for failed in (wrong_secret, denied, gap, missing_seat):
        print(f"FAIL  {failed.name}  {failed.detail}  -> {failed.fix}")
    assert not gap.ok and "[from-pstn] lacks 12356" in gap.detail
    assert not missing_seat.ok and "no PJSIP endpoint for 8050" in missing_seat.detail
