"""Registered softphones for the seats: one baresip each, steered over its ctrl_tcp socket.

Why baresip and not SIPp: a seat must REGISTER with its own password, answer
OPTIONS (qualify) and INVITEs on the contact it registered, and keep doing so
for the whole module. A SIPp UAS cannot register the contact it listens on
(and Asterisk's ``rewrite_contact`` would point the contact at the registering
SIPp, which drops INVITEs it did not start); baresip is a real phone that does
all of this in ~20 ms of start-up, and ``answermode`` gives an auto-answering
agent or one who lets it ring. The agent "talks" a long tone, so the call lasts
until someone hangs up.
"""

from __future__ import annotations

import json
import signal
import socket
import time
import wave
from pathlib import Path

from tests.pbx.net import free_port
from tests.pbx.procs import Child
from tests.pbx.tools import Tools

TALK_SECONDS = 120


def talk_file(folder: Path) -> Path:
    """An 8 kHz mono tone the phones send while they are on a call."""
    path = folder / "talk.wav"
    if not path.exists():
        frame = bytes([0x00, 0x10, 0x00, 0xF0])  # a square wave, quiet
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(frame * (8000 * TALK_SECONDS // 2))
    return path


class Softphone:
    def __init__(
        self,
        tools: Tools,
        folder: Path,
        *,
        extension: str,
        password: str,
        registrar: str,
        host: str,
        answer: str = "auto",
    ) -> None:
        self.extension = extension
        self.folder = folder / f"phone-{extension}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.host = host
        self.sip_port = free_port(host, span=3)  # baresip also listens on TCP and TLS
        self.ctrl_port = free_port(host)
        self.answer = answer
        talk = talk_file(folder)
        rtp = free_port(host, span=40)
        (self.folder / "config").write_text(
            "poll_method epoll\n"
            f"sip_listen {host}:{self.sip_port}\n"
            f"audio_source aufile,{talk}\n"
            "audio_player aufile,/dev/null\n"
            "audio_alert aufile,/dev/null\n"
            "module_path /usr/lib/baresip/modules\n"
            "module g711.so\n"
            "module aufile.so\n"
            "module_app account.so\n"
            "module_app menu.so\n"
            "module_app ctrl_tcp.so\n"
            f"ctrl_tcp_listen {host}:{self.ctrl_port}\n"
            f"rtp_ports {rtp}-{rtp + 39}\n"
            "sip_trans_def udp\n"
            "call_max_calls 1\n"  # an agent's phone on a call answers a second one 486
        )
        (self.folder / "accounts").write_text(
            f"<sip:{extension}@{registrar};transport=udp>;auth_pass={password};"
            f"answermode={answer};regint=300\n"
        )
        self.tools = tools
        self.child: Child | None = None

    def start(self) -> None:
        self.child = Child(
            f"phone {self.extension}",
            self.tools.generator([str(self.tools.baresip), "-f", str(self.folder)]),
            log=self.folder / "baresip.log",
            env={"PATH": "/usr/bin:/bin", "HOME": str(self.folder)},
        )

    def stop(self, *, unregister: bool = False) -> None:
        """Kill the phone (its contact stays until qualify fails), or quit it cleanly so it
        unregisters first."""
        if self.child is not None:
            self.child.stop(first=signal.SIGTERM if unregister else signal.SIGKILL)

    def freeze(self) -> None:
        """The phone hangs (a frozen PC): registered, but it answers nothing any more."""
        assert self.child is not None
        self.child.send(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.child is not None
        self.child.send(signal.SIGCONT)

    def command(self, name: str, params: str = "") -> dict[str, object]:
        """A ctrl_tcp command (``accept``, ``hangup``, ``dial``); returns baresip's reply."""
        body = json.dumps({"command": name, "params": params, "token": name}).encode()
        deadline = time.monotonic() + 5
        with socket.create_connection((self.host, self.ctrl_port), timeout=5) as sock:
            sock.sendall(b"%d:%s," % (len(body), body))
            buffer = b""
            while time.monotonic() < deadline:
                buffer += sock.recv(65536)
                for message in _netstrings(buffer):
                    if message.get("response"):
                        return message
        raise TimeoutError(f"baresip {self.extension} did not answer {name}")

    def registered(self) -> bool:
        return "200 OK" in (self.child.tail(200) if self.child else "")


def _netstrings(buffer: bytes) -> list[dict[str, object]]:
    messages = []
    while b":" in buffer:
        size, _, rest = buffer.partition(b":")
        if not size.isdigit() or len(rest) < int(size) + 1:
            break
        messages.append(json.loads(rest[: int(size)]))
        buffer = rest[int(size) + 1 :]
    return messages
