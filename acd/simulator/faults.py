"""Network faults the AMI listener must survive: stalls, slow replies and torn frames.

The server consults one ``Faults`` object before every read, reply and write;
tests switch faults on and off through ``PbxSimulator``.
"""

from __future__ import annotations

import asyncio
import random


class Faults:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._flowing = asyncio.Event()
        self._flowing.set()
        self.reply_delay = 0.0
        self.split = False

    @property
    def stalled(self) -> bool:
        return not self._flowing.is_set()

    def stall(self, on: bool) -> None:
        """Half-open link: nothing is sent or answered, but every socket stays open."""
        if on:
            self._flowing.clear()
        else:
            self._flowing.set()

    async def wait_flowing(self) -> None:
        await self._flowing.wait()

    def chunks(self, data: bytes) -> list[bytes]:
        """The bytes as they go on the wire: whole, or cut at random (even inside a UTF-8 char)."""
        if not self.split or len(data) < 2:
            return [data]
        return split_at_random(data, self._rng)


def split_at_random(data: bytes, rng: random.Random, max_piece: int = 7) -> list[bytes]:
    pieces: list[bytes] = []
    i = 0
    while i < len(data):
        size = rng.randint(1, max_piece)
        pieces.append(data[i : i + size])
        i += size
    return pieces
