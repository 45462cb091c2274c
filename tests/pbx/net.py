"""Addresses and ports for one PBX test stack, chosen at run time, never fixed.

Every stack gets its own loopback /24 (127.A.B.0, A and B random), so stacks of
other test runs on this machine never meet it: Asterisk on .1, the carrier
(SIPp) on .2, the phones on .3. Ports are ones the kernel says are free now.
"""

from __future__ import annotations

import random
import socket
from dataclasses import dataclass


def _bindable(host: str, port: int) -> bool:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                return False
    return True


def free_port(host: str, *, span: int = 1) -> int:
    """A port free for TCP and UDP on ``host``, with the ``span - 1`` above it free too."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
        if port + span < 65535 and all(_bindable(host, port + i) for i in range(span)):
            return port
    raise RuntimeError(f"no free port on {host}")


def free_range(host: str, size: int) -> tuple[int, int]:
    """An even-aligned range of UDP ports (RTP) that is free right now."""
    rng = random.Random()
    for _ in range(100):
        start = rng.randrange(20000, 60000 - size, 2)
        if all(_bindable(host, port) for port in range(start, start + size, 25)):
            return start, start + size - 1
    raise RuntimeError(f"no free RTP range on {host}")


class PortBlocks:
    """Blocks of ``size`` ports handed out in turn from a random start, each checked free.

    Callers started in quick succession each get their own block: picking each port
    with ``free_port`` races (the kernel may give a port one caller was about to use
    for its video RTP to the next caller's SIP socket).
    """

    def __init__(self, host: str, size: int = 8) -> None:
        self.host, self.size = host, size
        self._next = random.Random().randrange(20000, 50000, size)

    def take(self) -> int:
        for _ in range(1000):
            start = self._next
            self._next = start + self.size if start + 2 * self.size < 60000 else 20000
            if all(_bindable(self.host, start + i) for i in range(self.size)):
                return start
        raise RuntimeError(f"no free block of {self.size} ports on {self.host}")


@dataclass(frozen=True)
class Loopback:
    subnet: str  # "127.A.B"

    @classmethod
    def pick(cls) -> Loopback:
        rng = random.Random()
        for _ in range(50):
            subnet = f"127.{rng.randrange(20, 250)}.{rng.randrange(1, 250)}"
            if _bindable(f"{subnet}.1", 5060):
                return cls(subnet)
        raise RuntimeError("no free loopback subnet")

    @property
    def asterisk(self) -> str:
        return f"{self.subnet}.1"

    @property
    def carrier(self) -> str:
        return f"{self.subnet}.2"

    @property
    def phones(self) -> str:
        return f"{self.subnet}.3"
