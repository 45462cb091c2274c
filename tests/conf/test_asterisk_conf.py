"""The shipped Asterisk configuration lints clean and matches the dialplan contract."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "asterisk-conf"
CONTRACT = (CONF / "README.md").read_text(encoding="utf-8")
DIALPLAN = (CONF / "extensions.conf").read_text(encoding="utf-8")


def test_extensions_conf_passes_asterisklint() -> None:
    lint = Path(sys.executable).with_name("asterisklint")
    result = subprocess.run(
        [str(lint), "dialplan-check", str(CONF / "extensions.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _contexts() -> set[str]:
    return set(re.findall(r"^\[([\w-]+)\]", DIALPLAN, flags=re.M)) - {"general", "globals"}


def test_every_contract_context_is_in_the_dialplan() -> None:
    named = set(re.findall(r"^\| `(acd-[\w-]+|from-pstn)`", CONTRACT, flags=re.M))
    assert named, "the contract names its contexts"
    assert named <= _contexts()


def test_every_contract_user_event_is_sent_by_the_dialplan() -> None:
    events = set(re.findall(r"^\| `(\w+)` \| `", CONTRACT, flags=re.M)) & {
        "CallWaiting",
        "SeatFailed",
        "CallbackOffered",
        "CallbackResult",
    }
    assert len(events) == 4
    for name in events:
        assert f"UserEvent({name}," in DIALPLAN


def test_manager_user_is_local_and_least_privilege() -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read_string((CONF / "manager.conf").read_text(encoding="utf-8").replace(";", "#"))
    acd = parser["acd"]
    assert acd["permit"].startswith("127.0.0.1/")
    assert acd["deny"] == "0.0.0.0/0.0.0.0"
    assert "system" not in acd["write"].split(",")
    assert {"call", "originate"} <= set(acd["write"].split(","))
    assert {"call", "user", "system"} <= set(acd["read"].split(","))


def test_seats_8001_to_8020_and_the_callback_seat_are_endpoints() -> None:
    pjsip = (CONF / "pjsip.conf").read_text(encoding="utf-8")
    endpoints = set(re.findall(r"^\[(\d{4})\]\(seat-endpoint\)", pjsip, flags=re.M))
    assert endpoints == {str(n) for n in range(8001, 8021)} | {"8099"}
