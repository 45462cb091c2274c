"""The programs the PBX suite drives, found or explained away.

Asterisk comes from ``CALLCENTER_TEST_ASTERISK`` (the ``asterisk`` binary of a
build laid out like ../shared/pbx's: ``<prefix>/sbin/asterisk``) or the
``/opt/asterisk`` that ``scripts/test.sh`` unpacks; SIPp and baresip from
Debian. When one is missing the suite is skipped with the reason, unless
``CALLCENTER_REQUIRE_PBX=1`` (CI) turns that into a failure.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

ASTERISK_ENV = "CALLCENTER_TEST_ASTERISK"
REQUIRE_ENV = "CALLCENTER_REQUIRE_PBX"
DEFAULT_ASTERISK = Path("/opt/asterisk/sbin/asterisk")
SIPP_DATA = Path("/usr/share/sip-tester")  # Debian's sip-tester: the RFC 4733 DTMF captures
MOH_DIR = Path("/usr/share/asterisk/moh")
SOUNDS_DIR = Path("/usr/share/asterisk/sounds")


@dataclass(frozen=True)
class Tools:
    asterisk: Path
    sipp: Path
    baresip: Path
    # The carrier (SIPp) and the seats' phones stand in for other machines: a benchmark
    # runs them in Linux's idle scheduling class (SCHED_IDLE), so they take only the
    # cores the PBX and the ACD leave idle and never delay either when it wakes up.
    generators_idle: bool = False

    def generator(self, argv: list[str]) -> list[str]:
        """The command line of a traffic generator (SIPp, baresip)."""
        if self.generators_idle:
            return ["chrt", "--idle", "0", *argv]
        return argv

    @property
    def prefix(self) -> Path:
        return self.asterisk.resolve().parents[1]

    def dtmf(self, digit: str) -> Path:
        return SIPP_DATA / f"dtmf_2833_{digit}.pcap"


def find_tools() -> Tools | str:
    """The tools, or why the PBX suite cannot run here."""
    configured = os.environ.get(ASTERISK_ENV)
    asterisk = Path(configured) if configured else DEFAULT_ASTERISK
    if not (asterisk.is_file() and os.access(asterisk, os.X_OK)):
        where = f"{ASTERISK_ENV}={configured}" if configured else str(DEFAULT_ASTERISK)
        return (
            f"no Asterisk at {where}: run scripts/test.sh as root (it unpacks "
            f"../shared/pbx) or set {ASTERISK_ENV}"
        )
    if not (asterisk.resolve().parents[1] / "var/lib/asterisk/documentation").is_dir():
        return f"{asterisk} has no var/lib/asterisk/documentation beside it"
    missing = []
    sipp, baresip = shutil.which("sipp"), shutil.which("baresip")
    if sipp is None or not (SIPP_DATA / "dtmf_2833_1.pcap").is_file():
        missing.append("sip-tester (sipp)")
    if baresip is None:
        missing.append("baresip-core (baresip)")
    if not MOH_DIR.is_dir():
        missing.append("asterisk-moh-opsound-wav")
    if missing:
        return "Debian packages missing: " + ", ".join(missing) + " (scripts/test.sh installs them)"
    assert sipp is not None and baresip is not None
    return Tools(asterisk=asterisk, sipp=Path(sipp), baresip=Path(baresip))


def pbx_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")
