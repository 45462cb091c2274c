"""The date rules do not care what zone the machine is in.

Every test marked ``hotline_time`` runs again in a fresh interpreter with the
machine's ``TZ`` set to UTC, to America/Los_Angeles (which has summer time) and
to the hotline's own Asia/Shanghai: a rule that read the machine's local zone
would pass under one and fail under another.

A zone that keeps the same offsets as the machine's own is not run again: the
suite itself has just run those tests in it. The reruns use the embedded
database only: the machine's zone reaches the project's Python code, which both
databases share, while PostgreSQL's own zone is a server setting the machine's
``TZ`` does not change.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[1]
# instants in both halves of the year, so a zone with summer time differs from one without
PROBES = [datetime(year, month, 1, 12, tzinfo=UTC) for year in (2024, 2026) for month in (1, 7)]


def _marked_files() -> list[str]:
    """The test files that use the marker (collecting only them saves most of a rerun)."""
    here = Path(__file__).resolve()
    return sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("test_*.py")
        if path != here and "web" not in path.parts and "hotline_time" in path.read_text()
    )


def _machine_keeps(zone: str) -> bool:
    """Whether this machine's local time is ``zone``'s at every probe."""
    return all(
        probe.astimezone().utcoffset() == probe.astimezone(ZoneInfo(zone)).utcoffset()
        for probe in PROBES
    )


ZONES = ("UTC", "America/Los_Angeles", "Asia/Shanghai")


@pytest.mark.parametrize("machine_zone", [zone for zone in ZONES if not _machine_keeps(zone)])
def test_date_rules_pass_in_any_machine_zone(machine_zone: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "hotline_time",
            "-k",
            "not postgresql",
            "-q",
            "-p",
            "no:cacheprovider",
            "-x",
            *_marked_files(),
        ],
        cwd=ROOT,
        env={**os.environ, "TZ": machine_zone},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
