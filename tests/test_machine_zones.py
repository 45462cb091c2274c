"""The date rules do not care what zone the machine is in.

Every test marked ``hotline_time`` runs again in a fresh interpreter with the
machine's ``TZ`` set to UTC, to America/Los_Angeles (which has summer time) and
to the hotline's own Asia/Shanghai: a rule that read the machine's local zone
would pass under one and fail under another.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("machine_zone", ["UTC", "America/Los_Angeles", "Asia/Shanghai"])
def test_date_rules_pass_in_any_machine_zone(machine_zone: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "hotline_time",
            "-q",
            "-p",
            "no:cacheprovider",
            "--ignore=tests/web",
            "-x",
        ],
        cwd=ROOT,
        env={**os.environ, "TZ": machine_zone},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
