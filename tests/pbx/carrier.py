"""The carrier, played by SIPp: callers dialling 12355, and the far ends of outbound calls.

One SIPp UAS listens where the rendered trunk points (scenarios/carrier.xml
says who answers, who is busy, who never picks up); each inbound call is its own
SIPp UAC run from scenarios/caller.xml, so a test says per caller which IVR key
they press and how long they stay.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from acd.pbxconf.render import fill
from tests.pbx.net import PortBlocks, free_port
from tests.pbx.procs import Child
from tests.pbx.tools import Tools

SCENARIOS = Path(__file__).with_name("scenarios")
_calls = itertools.count(1)


class Carrier:
    def __init__(self, tools: Tools, folder: Path, *, host: str, port: int, pbx: str) -> None:
        self.tools = tools
        self.folder = folder / "carrier"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.host = host
        self.port = port
        self.pbx = pbx  # Asterisk's SIP address, host:port
        self.uas: Child | None = None
        self._caller_ports = PortBlocks(host)  # SIP, then RTP and RTCP, audio and video

    def start(self) -> None:
        media = free_port(self.host, span=2)
        self.uas = Child(
            "carrier",
            [
                str(self.tools.sipp), "-sf", str(SCENARIOS / "carrier.xml"),
                "-i", self.host, "-p", str(self.port), "-mi", self.host, "-mp", str(media),
                "-aa", "-nostdin", "-trace_err", "-error_file", str(self.folder / "uas-errors.log"),
            ],
            log=self.folder / "uas.out",
            cwd=self.folder,
        )  # fmt: skip

    def stop(self) -> None:
        if self.uas is not None:
            self.uas.stop(first=9)

    async def call(
        self, number: str, *, digit: str | None = "1", stay: float = 5.0, name: str = "caller"
    ) -> int:
        """Dial 12355 as ``number``; returns SIPp's exit status when the call is over."""
        seq = next(_calls)
        keypress = (
            f'<pause milliseconds="300"/><nop><action><exec play_pcap_audio='
            f'"{self.tools.dtmf(digit)}"/></action></nop>'
            if digit is not None
            else ""
        )
        scenario = self.folder / f"caller-{seq}.xml"
        template = (SCENARIOS / "caller.xml").read_text()
        values = {
            "number": number,
            "name": name,
            "digit": digit or "nothing",
            "stay_ms": str(int(stay * 1000)),
            "keypress": keypress,
        }
        scenario.write_text(fill(template, values))
        block = self._caller_ports.take()
        port, media = block, block + 2  # SIPp binds media .. media + 3
        with (self.folder / f"caller-{seq}.out").open("wb") as out:
            argv = self.tools.generator([
                str(self.tools.sipp), "-sf", str(scenario), "-s", "12355",
                "-i", self.host, "-p", str(port), "-mi", self.host, "-mp", str(media),
                "-m", "1", "-l", "1", "-nostdin", "-timeout", "120s",
                "-trace_err", "-error_file", str(self.folder / f"caller-{seq}-errors.log"),
                self.pbx,
            ])  # fmt: skip
            process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out, cwd=self.folder
            )
            try:
                return await process.wait()
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
