"""Helpers for tests that drive the PBX simulator over real TCP: a raw AMI client and a runner."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from acd.simulator import PbxSimulator

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
Msg = dict[str, str]


@contextlib.asynccontextmanager
async def running_sim(**kwargs: Any) -> AsyncIterator[PbxSimulator]:
    """A started simulator (fast clock by default) that is stopped afterwards."""
    kwargs.setdefault("time_scale", 0.01)
    kwargs.setdefault("seed", 1)
    sim = PbxSimulator(**kwargs)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


class RawAmi:
    """A bare AMI client: writes actions, reads whole messages, keeps every byte it read."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.raw = b""
        self._pending = b""
        self.seen: list[Msg] = []
        self.seen_raw: list[bytes] = []
        self.banner = b""

    @classmethod
    async def connect(cls, port: int) -> RawAmi:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    def send(self, *headers: tuple[str, str], **fields: str) -> None:
        pairs = list(headers) + list(fields.items())
        self.writer.write("".join(f"{k}: {v}\r\n" for k, v in pairs).encode() + b"\r\n")

    async def _fill(self, within: float) -> bool:
        data = await asyncio.wait_for(self.reader.read(65536), within)
        if not data:
            return False
        self.raw += data
        self._pending += data
        if not self.banner and self._pending.startswith(BANNER[: len(self._pending)]):
            if len(self._pending) < len(BANNER):
                return True
            self.banner, self._pending = BANNER, self._pending[len(BANNER) :]
        return True

    async def message(self, within: float = 2.0) -> Msg:
        while b"\r\n\r\n" not in self._pending:
            if not await self._fill(within):
                raise EOFError("connection closed")
        raw, self._pending = self._pending.split(b"\r\n\r\n", 1)
        self.seen_raw.append(raw)
        msg: Msg = {}
        for line in raw.decode("utf-8", errors="replace").split("\r\n"):
            key, _, value = line.partition(": ")
            msg[key] = f"{msg[key]},{value}" if key in msg else value
        self.seen.append(msg)
        return msg

    async def wait_for(self, match: Callable[[Msg], bool], within: float = 3.0) -> Msg:
        async with asyncio.timeout(within):
            while True:
                msg = await self.message(within)
                if match(msg):
                    return msg

    async def event(self, name: str, within: float = 3.0, **fields: str) -> Msg:
        def match(m: Msg) -> bool:
            return m.get("Event") == name and all(m.get(k) == v for k, v in fields.items())

        return await self.wait_for(match, within)

    async def saw(self, name: str, within: float = 3.0, **fields: str) -> Msg:
        """An event already read, or the next one like it."""
        for m in self.seen:
            if m.get("Event") == name and all(m.get(k) == v for k, v in fields.items()):
                return m
        return await self.event(name, within, **fields)

    async def reply(self, action_id: str, within: float = 3.0) -> Msg:
        return await self.wait_for(
            lambda m: "Response" in m and m.get("ActionID") == action_id, within
        )

    async def login(self, events: str = "on") -> Msg:
        self.send(Action="Login", Username="acd", Secret="acd-secret", Events=events, ActionID="l")
        return await self.reply("l")

    async def listing(self, action: str, action_id: str, **fields: str) -> list[Msg]:
        """A list action's whole answer: the start reply, the items, the Complete event."""
        self.send(Action=action, ActionID=action_id, **fields)
        out = [await self.reply(action_id)]
        if out[0].get("EventList") != "start":
            return out
        while True:
            msg = await self.wait_for(lambda m: m.get("ActionID") == action_id)
            out.append(msg)
            if msg.get("EventList") == "Complete":
                return out

    async def until_closed(self, within: float = 2.0) -> None:
        """Read whatever is still queued until the server closes the connection."""
        async with asyncio.timeout(within):
            try:
                while True:
                    await self.message(within)
            except (EOFError, ConnectionError):
                return

    def close(self) -> None:
        self.writer.close()


@contextlib.asynccontextmanager
async def client(
    sim: PbxSimulator, *, login: bool = True, events: str = "on"
) -> AsyncIterator[RawAmi]:
    ami = await RawAmi.connect(sim.port)
    try:
        if login:
            reply = await ami.login(events)
            assert reply["Message"] == "Authentication accepted"
        yield ami
    finally:
        ami.close()


def events_of(msgs: list[Msg], *names: str) -> list[Msg]:
    return [m for m in msgs if m.get("Event") in names]
