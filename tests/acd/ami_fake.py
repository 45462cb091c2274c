"""A raw loopback AMI server for the link's tests: byte-exact feeding, drops, stalls.

It speaks just enough AMI (banner, Login, Ping, CoreShowChannels,
PJSIPShowContacts, anything else → Success) and lets a test push arbitrary bytes
to every connected client, in whatever chunks it likes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from acd.ami.wire import Framer, encode_message, parse_frame
from callcenter.kernel.clock import SystemClock

Headers = Mapping[str, str | list[str]]


def frame(headers: Headers) -> bytes:
    return encode_message(headers)


def event_frame(event: Mapping[str, str]) -> bytes:
    """A recorded event (keys sorted, as in the cacofonisk files) in wire order."""
    ordered: list[tuple[str, str]] = [("Event", event["Event"])]
    if "Privilege" in event:
        ordered.append(("Privilege", event["Privilege"]))
    ordered += [(k, str(v)) for k, v in event.items() if k not in ("Event", "Privilege", "content")]
    return encode_message(ordered)


@dataclass
class FakeAmi:
    username: str = "acd"
    secret: str = "s3cret"
    channels: list[dict[str, str]] = field(default_factory=list)
    contacts: list[dict[str, str]] = field(default_factory=list)
    answer_pings: bool = True
    interleave: bytes = b""  # sent inside the CoreShowChannels listing, after its start
    host: str = "127.0.0.1"
    port: int = 0
    login_times: list[float] = field(default_factory=list)
    actions: list[dict[str, str | list[str]]] = field(default_factory=list)
    on_action: Callable[[dict[str, str | list[str]]], Iterable[bytes]] | None = None
    _server: asyncio.Server | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)
    _logged_in: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> FakeAmi:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        await self.drop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def restart(self) -> None:
        """Stop listening and drop everyone, then listen again on the same port."""
        await self.stop()
        await self.start()

    async def drop(self) -> None:
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()
        self._logged_in.clear()

    async def wait_client(self, within: float = 5.0) -> None:
        await asyncio.wait_for(self._logged_in.wait(), within)

    @property
    def clients(self) -> int:
        return len(self._writers)

    async def push(self, data: bytes, chunks: Sequence[int] = ()) -> None:
        """Send bytes to every logged-in client, cut at the given chunk sizes."""
        for writer in list(self._writers):
            offset = 0
            for size in chunks:
                writer.write(data[offset : offset + size])
                offset += size
                await writer.drain()
            writer.write(data[offset:])
            await writer.drain()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/2.10.6\r\n")
        framer = Framer()
        authed = False
        try:
            while data := await reader.read(65536):
                for text in framer.feed(data):
                    action = parse_frame("Response: x\n" + text, SystemClock().now())
                    if action is None:
                        continue
                    del action["Response"]
                    self.actions.append(dict(action))
                    authed = await self._answer(action, writer, authed)
                    await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if writer in self._writers:
                self._writers.remove(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _answer(
        self, action: dict[str, str | list[str]], writer: asyncio.StreamWriter, authed: bool
    ) -> bool:
        name = str(action.get("Action", "")).lower()
        aid = str(action.get("ActionID", ""))
        if name == "login":
            self.login_times.append(time.monotonic())
            if action.get("Username") == self.username and action.get("Secret") == self.secret:
                writer.write(reply(aid, "Authentication accepted"))
                writer.write(frame({"Event": "FullyBooted", "Privilege": "system,all"}))
                self._writers.append(writer)
                self._logged_in.set()
                return True
            writer.write(reply(aid, "Authentication failed", "Error"))
            await writer.drain()
            writer.close()
            return False
        if not authed:
            writer.write(reply(aid, "Permission denied", "Error"))
        elif name == "ping":
            if self.answer_pings:
                writer.write(frame({"Response": "Success", "ActionID": aid, "Ping": "Pong"}))
        elif name == "coreshowchannels":
            listing = list_reply(aid, "CoreShowChannel", self.channels, "Channels")
            start = listing.index(b"\r\n\r\n") + 4
            writer.write(listing[:start] + self.interleave + listing[start:])
        elif name == "pjsipshowcontacts":
            writer.write(list_reply(aid, "ContactList", self.contacts, "Contacts"))
        elif self.on_action is not None:
            for data in self.on_action(action):
                writer.write(data)
        else:
            writer.write(reply(aid, "OK"))
        return True


def reply(action_id: str, message: str, response: str = "Success") -> bytes:
    return frame({"Response": response, "ActionID": action_id, "Message": message})


def list_reply(action_id: str, item: str, items: list[dict[str, str]], what: str) -> bytes:
    out = frame(
        {
            "Response": "Success",
            "ActionID": action_id,
            "EventList": "start",
            "Message": f"{what} will follow",
        }
    )
    for entry in items:
        out += frame({"Event": item, "ActionID": action_id, **entry})
    out += frame(
        {
            "Event": f"{item}{'s' if item == 'CoreShowChannel' else ''}Complete",
            "ActionID": action_id,
            "EventList": "Complete",
            "ListItems": str(len(items)),
        }
    )
    return out
