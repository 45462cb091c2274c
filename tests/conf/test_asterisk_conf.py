"""The shipped Asterisk configuration lints clean and matches the dialplan contract."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
from pathlib import Path

from pydantic import SecretStr

from acd.pbxconf.default import shipped as shipped_config
from acd.pbxconf.modules import LOADED
from acd.pbxconf.prompts import PROMPTS, bundled
from acd.pbxconf.render import phones
from acd.pbxconf.settings import PbxSettings
from callcenter.kernel.settings import Settings

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
    """Exactly what the ACD's actions need: Redirect/Setvar (call), Originate, the
    resync's CoreShowChannels (reporting) and PJSIPShowContacts (only under system)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read_string((CONF / "manager.conf").read_text(encoding="utf-8").replace(";", "#"))
    acd = parser["acd"]
    assert acd["permit"].startswith("127.0.0.1/")
    assert acd["deny"] == "0.0.0.0/0.0.0.0"
    assert set(acd["write"].split(",")) == {"call", "originate", "reporting", "system"}
    assert set(acd["read"].split(",")) == {"call", "user", "system"}


def test_seats_the_callback_seat_and_the_supervisors_phones_are_endpoints() -> None:
    pjsip = (CONF / "pjsip.conf").read_text(encoding="utf-8")
    endpoints = set(re.findall(r"^\[(\d{4})\]\(seat-endpoint\)", pjsip, flags=re.M))
    assert endpoints == {str(n) for n in range(8001, 8021)} | {"8099", "8090", "8091"}


def test_the_shipped_files_are_what_callcenter_asterisk_conf_renders() -> None:
    shipped = shipped_config()
    assert {path.name for path in CONF.glob("*.conf")} == set(shipped)
    for name, text in shipped.items():
        assert (CONF / name).read_text(encoding="utf-8") == text, (
            f"asterisk-conf/{name} is stale: run .venv/bin/python -m acd.pbxconf.default"
        )


def test_every_dialplan_application_comes_from_a_loaded_module() -> None:
    """modules.conf loads nothing else (autoload = no): a missing one is a dead dialplan."""
    used = set(re.findall(r"^\s*(?:exten => [^,]+,\w+|same => n(?:\(\w+\))?),(\w+)\(",
                          DIALPLAN, flags=re.M))  # fmt: skip
    builtin = {"NoOp", "Answer", "Set", "Goto", "GotoIf", "Background", "WaitExten", "Hangup"}
    module_of = {
        "Dial": "app_dial",
        "Playback": "app_playback",
        "UserEvent": "app_userevent",
        "ConfBridge": "app_confbridge",
        "MusicOnHold": "res_musiconhold",
        "Queue": "app_queue",
        "ExecIf": "app_exec",
        "Return": "app_stack",
    }
    assert used - builtin == set(module_of)
    assert {module_of[app] for app in used - builtin} <= set(LOADED)
    modules = (CONF / "modules.conf").read_text(encoding="utf-8")
    assert "autoload = no" in modules
    assert set(re.findall(r"^load => (\w+)\.so", modules, flags=re.M)) == set(LOADED)


def test_every_prompt_the_dialplan_plays_is_shipped() -> None:
    played = set(re.findall(r"(?:Background|Playback)\(custom/([\w-]+)\)", DIALPLAN))
    assert played == {prompt.name for prompt in PROMPTS}
    for prompt in PROMPTS:
        audio = bundled(prompt.name)
        assert 2_000 < audio.stat().st_size < 40_000  # 8 kHz GSM: seconds, not megabytes
        assert f"`{prompt.name}`" in CONTRACT  # the replaceable prompts are documented


def test_every_phone_has_its_own_password() -> None:
    settings = Settings.model_construct()
    pbx = PbxSettings.model_construct(seat_key=SecretStr("k"))
    passwords = [phone.password for phone in phones(settings, pbx)]
    assert len(passwords) == len(set(passwords)) == 20 + 1 + 2


def test_the_acd_user_receives_every_event_the_acd_reads_and_little_else() -> None:
    """manager.conf lets through only named events: a handler for an event it filters
    out would wait forever on the real Asterisk while the simulator sends it."""
    from acd.tracker import _HANDLERS

    text = (CONF / "manager.conf").read_text(encoding="utf-8")
    passed = set(re.findall(r"^eventfilter\(action\(include\),name\((\w+)\)\) =", text, re.M))
    read_by_the_acd = {
        *_HANDLERS,
        "Newstate",  # the call records' numbers
        "FullyBooted",  # the resync after a login waits for it
        "Shutdown",
        "OriginateResponse",  # the callback dialer
    }
    assert read_by_the_acd <= passed
    assert not passed & {"Newexten", "VarSet", "RTCPSent", "RTCPReceived", "Cdr", "DTMFEnd"}
