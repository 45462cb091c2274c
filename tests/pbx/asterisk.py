"""The real Asterisk on a temporary folder, configured by ``callcenter asterisk-conf``.

The configuration is exactly what the command writes for the stack's settings
(addresses, ports, passwords, AMI secret); nothing is edited afterwards.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

from tests.pbx.net import Loopback, free_port, free_range
from tests.pbx.procs import Child
from tests.pbx.tools import MOH_DIR, SOUNDS_DIR, Tools

AMI_USER = "acd"
AMI_SECRET = "pbx-suite-ami-secret"
SEAT_KEY = "pbx-suite-seat-key"


class Asterisk:
    def __init__(
        self, tools: Tools, root: Path, net: Loopback, hotline_env: dict[str, str]
    ) -> None:
        self.tools = tools
        self.root = root
        self.net = net
        self.etc = root / "etc"
        self.ami_port = free_port(net.asterisk)
        self.sip_port = free_port(net.asterisk)
        self.carrier_port = free_port(net.carrier)
        rtp_start, rtp_end = free_range(net.asterisk, 400)
        self.env = {
            **hotline_env,
            "CALLCENTER_AMI_HOST": net.asterisk,
            "CALLCENTER_AMI_PORT": str(self.ami_port),
            "CALLCENTER_AMI_USERNAME": AMI_USER,
            "CALLCENTER_AMI_SECRET": AMI_SECRET,
            "CALLCENTER_PBX_SEAT_KEY": SEAT_KEY,
            "CALLCENTER_PBX_SIP_BIND": f"{net.asterisk}:{self.sip_port}",
            "CALLCENTER_PBX_TRUNK": f"{net.carrier}:{self.carrier_port}",
            "CALLCENTER_PBX_RTP_PORTS": f"{rtp_start}-{rtp_end}",
            "CALLCENTER_PBX_AMI_PERMIT": "127.0.0.0/255.0.0.0",
            "CALLCENTER_PBX_ASTERISK_PREFIX": str(tools.prefix),
            "CALLCENTER_PBX_VAR_DIR": str(root / "var"),
            "CALLCENTER_PBX_MOH_DIR": str(MOH_DIR),
            "CALLCENTER_PBX_SOUNDS_DIR": str(SOUNDS_DIR),
            "CALLCENTER_PBX_QUALIFY_SECONDS": "2",
        }
        self.child: Child | None = None
        self.starts = 0

    # -- configuration ---------------------------------------------------------------------

    def render(self) -> None:
        """``callcenter asterisk-conf --out etc`` with the stack's settings."""
        cli = Path(sys.executable).with_name("callcenter")
        result = subprocess.run(
            [str(cli), "asterisk-conf", "--out", str(self.etc)],
            env={"PATH": "/usr/bin:/bin", **self.env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def passwords(self) -> dict[str, str]:
        with (self.etc / "phones.csv").open() as rows:
            return {row["extension"]: row["password"] for row in csv.DictReader(rows)}

    @property
    def sip_uri(self) -> str:
        return f"{self.net.asterisk}:{self.sip_port}"

    @property
    def messages_log(self) -> Path:
        return self.root / "var/log/asterisk/messages.log"

    # -- the process -----------------------------------------------------------------------

    def start(self) -> None:
        self.starts += 1
        self.child = Child(
            "asterisk",
            [str(self.tools.asterisk), "-C", str(self.etc / "asterisk.conf"), "-f", "-n", "-vvv"],
            log=self.root / "asterisk.out",
            env={"PATH": "/usr/bin:/bin", "HOME": str(self.root)},
        )
        self.wait_booted()

    def wait_booted(self, within: float = 20.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            assert self.child is not None and self.child.alive, self.child and self.child.tail()
            if "fully booted" in self.cli("core waitfullybooted", timeout=within).lower():
                return
            time.sleep(0.1)
        raise AssertionError("Asterisk did not boot: " + (self.child.tail() if self.child else ""))

    def cli(self, command: str, *, timeout: float = 10.0) -> str:
        result = subprocess.run(
            [str(self.tools.asterisk), "-C", str(self.etc / "asterisk.conf"), "-rx", command],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return result.stdout + result.stderr

    def stop(self) -> None:
        if self.child is not None:
            # SIGKILL: Asterisk's own shutdown on SIGTERM takes seconds for nothing here.
            self.child.stop(first=9, grace=5)

    def restart(self) -> None:
        """Asterisk dies and comes back (calls on it are lost, registrations kept in astdb)."""
        self.stop()
        self.start()
