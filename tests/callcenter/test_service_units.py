"""The systemd units ops staff install: valid for systemd, and hardened.

``systemd-analyze verify`` checks each unit as systemd would load it (with the
command pointed at this checkout's ``callcenter``, which must exist), and
``systemd-analyze security --offline`` scores its exposure: it must stay "OK".
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
INSTALLED_AT = "/opt/callcenter/venv/bin/callcenter"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def _rendered(unit: Path, folder: Path) -> Path:
    """The unit with its command pointed at this venv's ``callcenter``."""
    here = Path(sys.executable).parent / "callcenter"
    assert here.exists(), here
    text = unit.read_text().replace(INSTALLED_AT, str(here))
    name = unit.name.replace("@.", "@8001.")  # a template is verified as an instance
    target = folder / name
    target.write_text(text)
    return target


@pytest.fixture(scope="module")
def analyze() -> str:
    assert SYSTEMD_ANALYZE, "systemd-analyze (Debian's systemd package) checks the units"
    return SYSTEMD_ANALYZE


@pytest.mark.parametrize("unit", sorted(UNITS.glob("*.service")), ids=lambda p: p.name)
def test_units_verify_and_are_hardened(unit: Path, analyze: str, tmp_path: Path) -> None:
    rendered = _rendered(unit, tmp_path)
    verify = subprocess.run(
        [analyze, "verify", "--man=no", str(rendered)], capture_output=True, text=True
    )
    assert verify.returncode == 0, verify.stderr
    security = subprocess.run(
        [analyze, "security", "--offline=yes", str(rendered)], capture_output=True, text=True
    )
    exposure = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", security.stdout)
    assert exposure is not None, security.stdout + security.stderr
    assert float(exposure.group(1)) <= 2.0 and exposure.group(2) == "OK", exposure.group(0)


def test_units_run_as_their_own_user_with_the_data_folder_writable() -> None:
    for unit in UNITS.glob("*.service"):
        text = unit.read_text()
        assert "User=callcenter" in text and "NoNewPrivileges=yes" in text
        assert "ProtectSystem=strict" in text and "ReadWritePaths=/var/lib/callcenter" in text
        assert "EnvironmentFile=/etc/callcenter/callcenter.env" in text
