"""``callcenter asterisk-conf``: a runnable folder from the settings, or a named refusal."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callcenter.app.cli import app

runner = CliRunner()
DEPLOY = {
    "CALLCENTER_PBX_SEAT_KEY": "a-long-random-key",
    "CALLCENTER_AMI_SECRET": "an-ami-secret",
    "CALLCENTER_PBX_TRUNK": "203.0.113.7:5060",
    "CALLCENTER_PBX_SUPERVISOR_PHONES": "8090",
    "CALLCENTER_RING_TIMEOUT": "12",
}


def test_it_writes_the_config_the_prompts_and_the_phones_passwords(tmp_path: Path) -> None:
    out = tmp_path / "etc"
    env = {**DEPLOY, "CALLCENTER_PBX_VAR_DIR": str(tmp_path / "var")}
    result = runner.invoke(app, ["asterisk-conf", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    pjsip = (out / "pjsip.conf").read_text()
    assert "contact = sip:203.0.113.7:5060" in pjsip and "match = 203.0.113.7" in pjsip
    assert "secret = an-ami-secret" in (out / "manager.conf").read_text()
    assert "ACD_RING_TIMEOUT=12" in (out / "extensions.conf").read_text()
    assert f"astetcdir => {out.resolve()}" in (out / "asterisk.conf").read_text()
    assert sorted(p.name for p in (out / "data/sounds/custom").iterdir()) == [
        "12355-callback-offer.gsm",
        "12355-closed.gsm",
        "12355-welcome.gsm",
    ]
    assert (tmp_path / "var/run/asterisk").is_dir()
    phones = (out / "phones.csv").read_text().splitlines()
    assert len(phones) == 1 + 20 + 1 + 1  # header, seats, callback seat, a supervisor
    for secret_file in ("pjsip.conf", "manager.conf", "phones.csv"):
        assert stat.S_IMODE(os.stat(out / secret_file).st_mode) == 0o600


def test_a_hotlines_own_recording_replaces_the_bundled_prompt(tmp_path: Path) -> None:
    own = tmp_path / "recordings"
    own.mkdir()
    (own / "12355-closed.wav").write_bytes(b"RIFF....WAVE")
    env = {**DEPLOY, "CALLCENTER_PBX_VAR_DIR": str(tmp_path / "var"),
           "CALLCENTER_PBX_PROMPTS_DIR": str(own)}  # fmt: skip
    out = tmp_path / "etc"
    assert runner.invoke(app, ["asterisk-conf", "--out", str(out)], env=env).exit_code == 0
    custom = sorted(p.name for p in (out / "data/sounds/custom").iterdir())
    assert "12355-closed.wav" in custom and "12355-closed.gsm" not in custom


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("CALLCENTER_PBX_SEAT_KEY", "CALLCENTER_PBX_SEAT_KEY"),
        ("CALLCENTER_AMI_SECRET", "CALLCENTER_AMI_SECRET"),
    ],
)
def test_no_shared_or_default_secret_is_ever_written(
    tmp_path: Path, missing: str, named: str
) -> None:
    env = {k: v for k, v in DEPLOY.items() if k != missing}
    env["CALLCENTER_PBX_VAR_DIR"] = str(tmp_path / "var")
    result = runner.invoke(app, ["asterisk-conf", "--out", str(tmp_path / "etc")], env=env)
    assert result.exit_code == 2
    assert named in result.output.replace("\n", "")
    assert not (tmp_path / "etc" / "pjsip.conf").exists()


def test_an_invalid_pbx_setting_is_named(tmp_path: Path) -> None:
    env = {**DEPLOY, "CALLCENTER_PBX_RTP_PORTS": "20000-10000"}
    result = runner.invoke(app, ["asterisk-conf", "--out", str(tmp_path)], env=env)
    assert result.exit_code == 2
    assert "CALLCENTER_PBX_RTP_PORTS" in result.output
