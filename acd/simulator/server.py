"""The AMI listener: TCP sessions, login and permissions, event class filtering, faults.

Session rules follow main/manager.c: the banner is glued to the first reply,
only Login/Logoff/Challenge work before authentication, a bad login waits a
second and closes, and events reach a session only if their class is in its mask.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from acd.simulator.faults import Faults
from acd.simulator.wire import BANNER, ActionParser, Headers, Message, encode, response

ALL_CLASSES = frozenset(
    {"system", "call", "log", "verbose", "command", "agent", "user", "config", "dtmf",
     "reporting", "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test", "security",
     "message"}
)  # fmt: skip
PRE_AUTH_ACTIONS = frozenset({"login", "logoff", "challenge"})


@dataclass
class ActionResult:
    """What an action answers, and what it sets in motion once the answer is on its way."""

    messages: list[Headers]
    after: Callable[[], None] | None = None


Dispatcher = Callable[["Session", Message], Awaitable[ActionResult]]


def parse_event_mask(text: str) -> frozenset[str]:
    value = text.strip().lower()
    if value in ("on", "yes", "true", "all", ""):
        return ALL_CLASSES
    if value in ("off", "no", "false", "none"):
        return frozenset()
    if value.isdigit():
        return ALL_CLASSES if int(value) else frozenset()
    return frozenset(part.strip() for part in value.split(",")) & ALL_CLASSES


@dataclass(eq=False)
class Session:
    server: AmiServer
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    authenticated: bool = False
    username: str = ""
    event_mask: frozenset[str] = ALL_CLASSES
    challenge: str = ""
    outbox: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)
    dropped: asyncio.Event = field(default_factory=asyncio.Event)
    closing: bool = False

    def send(self, headers: Headers) -> None:
        self.outbox.put_nowait(encode(headers))

    def send_raw(self, data: bytes) -> None:
        self.outbox.put_nowait(data)

    def wants(self, klass: str) -> bool:
        return self.authenticated and klass in self.event_mask

    def close(self) -> None:
        self.outbox.put_nowait(None)

    def finish(self) -> None:
        """Send what is queued, then close the connection."""
        self.closing = True
        self.outbox.put_nowait(None)

    def abort(self) -> None:
        self.dropped.set()
        self.writer.transport.abort()


class AmiServer:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str,
        secret: str,
        time_scale: float,
        rng: random.Random,
        dispatch: Dispatcher,
    ) -> None:
        self.host, self.port = host, port
        self.username, self.secret = username, secret
        self.time_scale = time_scale
        self.rng = rng
        self.dispatch = dispatch
        self.faults = Faults(rng)
        self.sessions: set[Session] = set()
        self.actions: list[dict[str, str]] = []
        self.booted = time.time()
        # Asterisk takes AMI logins while it still loads modules: no FullyBooted yet,
        # and the PJSIP actions are unknown commands until res_pjsip is up.
        self.booting = False
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self, *, flush: bool = False) -> None:
        """Stop listening and end every session; ``flush`` first sends what is queued."""
        if self._server is not None:
            self._server.close()
            self._server = None
        if flush:
            for session in list(self.sessions):
                session.finish()
            if self._tasks:
                await asyncio.wait(list(self._tasks), timeout=1.0)
        await self.drop_connections()

    async def drop_connections(self) -> None:
        """Reset every session's TCP connection; the listener stays up."""
        for session in list(self.sessions):
            session.abort()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2.0)

    def broadcast(self, klass: str, message: Headers) -> None:
        data = b""
        for session in self.sessions:
            if session.wants(klass):
                data = data or encode(message)
                session.send_raw(data)

    # -- one session -----------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        session = Session(self, reader, writer)
        self.sessions.add(session)
        serving = asyncio.current_task()
        assert serving is not None
        self._tasks.add(serving)
        writing = asyncio.get_running_loop().create_task(self._write_loop(session))
        session.send_raw(BANNER)
        try:
            await self._read_loop(session)
        except ConnectionError:
            pass
        finally:
            self.sessions.discard(session)
            self._tasks.discard(serving)
            session.close()
            if not session.dropped.is_set():
                await asyncio.wait([writing], timeout=1.0)
            writing.cancel()
            writer.close()

    async def _flowing(self, session: Session) -> None:
        """Wait out a stall; a dropped session stops waiting."""
        if not self.faults.stalled:
            return
        waits = [
            asyncio.ensure_future(self.faults.wait_flowing()),
            asyncio.ensure_future(session.dropped.wait()),
        ]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
        if session.dropped.is_set():
            raise ConnectionResetError("session dropped")

    async def _write_loop(self, session: Session) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            while True:
                data = await session.outbox.get()
                if data is None:
                    await session.writer.drain()
                    if session.closing:
                        session.writer.close()
                    return
                await self._flowing(session)
                for chunk in self.faults.chunks(data):
                    session.writer.write(chunk)
                    await session.writer.drain()

    async def _read_loop(self, session: Session) -> None:
        parser = ActionParser()
        while True:
            await self._flowing(session)
            data = await session.reader.read(65536)
            if not data:
                return
            for message in parser.feed(data):
                await self._flowing(session)
                if self.faults.reply_delay:
                    await asyncio.sleep(self.faults.reply_delay)
                if not await self._handle(session, message):
                    return

    async def _handle(self, session: Session, msg: Message) -> bool:
        """Answer one message; False once the session must close."""
        action = msg.action.lower()
        aid = msg.action_id
        if not action:
            session.send(response("Error", aid, "Missing action in request"))
            return True
        if not session.authenticated and action not in PRE_AUTH_ACTIONS:
            session.send(response("Error", aid, "Permission denied"))
            return True
        if action == "login":
            return await self._login(session, msg)
        if action == "logoff":
            self.actions.append(msg.as_dict())  # a clean goodbye is worth seeing in tests
            session.send(response("Goodbye", aid, "Thanks for all the fish."))
            return False
        if action == "challenge":
            session.challenge = str(self.rng.randint(100_000_000, 999_999_999))
            session.send(response("Success", aid, None, ("Challenge", session.challenge)))
            return True
        self.actions.append(msg.as_dict())
        if action == "events":
            return self._events(session, msg)
        if self.booting and action.startswith("pjsip"):
            text = (
                f"Invalid/unknown command: {msg.action}. "
                "Use Action: ListCommands to show available commands."
            )
            session.send(response("Error", aid, text))
            return True
        result = await self.dispatch(session, msg)
        for headers in result.messages:
            session.send(headers)
        if result.after is not None:
            result.after()
        return True

    async def _login(self, session: Session, msg: Message) -> bool:
        aid = msg.action_id
        if session.authenticated:
            session.send(response("Success", aid, "Already authenticated"))
            return True
        if not self._credentials_ok(session, msg):
            await asyncio.sleep(1.0 * self.time_scale)
            session.send(response("Error", aid, "Authentication failed"))
            return False
        session.authenticated = True
        session.username = msg.get("Username")
        if msg.has("Events"):
            session.event_mask = parse_event_mask(msg.get("Events"))
        session.send(response("Success", aid, "Authentication accepted"))
        if "system" in session.event_mask and not self.booting:
            session.send(self.fully_booted())
        self._successful_auth(session)
        return True

    def fully_booted(self) -> Headers:
        uptime = str(int(time.time() - self.booted))
        return [
            ("Event", "FullyBooted"),
            ("Privilege", "system,all"),
            ("Uptime", uptime),
            ("LastReload", uptime),
            ("Status", "Fully Booted"),
        ]

    def boot_done(self) -> None:
        self.booting = False
        self.broadcast("system", self.fully_booted())

    def _successful_auth(self, session: Session) -> None:
        """The security event every session with ``security`` in its mask hears about."""
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
        local = session.writer.get_extra_info("sockname") or ("127.0.0.1", 0)
        remote = session.writer.get_extra_info("peername") or ("127.0.0.1", 0)
        self.broadcast(
            "security",
            [
                ("Event", "SuccessfulAuth"),
                ("Privilege", "security,all"),
                ("EventTV", now),
                ("Severity", "Informational"),
                ("Service", "AMI"),
                ("EventVersion", "1"),
                ("AccountID", session.username),
                ("SessionID", f"0x{id(session):x}"),
                ("LocalAddress", f"IPV4/TCP/{local[0]}/{local[1]}"),
                ("RemoteAddress", f"IPV4/TCP/{remote[0]}/{remote[1]}"),
                ("UsingPassword", "0"),
                ("SessionTV", now),
            ],
        )

    def _credentials_ok(self, session: Session, msg: Message) -> bool:
        if msg.get("Username").lower() != self.username.lower():
            return False
        if msg.get("AuthType").lower() == "md5" and session.challenge:
            key = hashlib.md5((session.challenge + self.secret).encode()).hexdigest()
            return msg.get("Key").lower() == key
        return msg.get("Secret") == self.secret

    def _events(self, session: Session, msg: Message) -> bool:
        session.event_mask = parse_event_mask(msg.get("EventMask"))
        state = "On" if session.event_mask else "Off"
        session.send(response("Success", msg.action_id, None, ("Events", state)))
        return True
