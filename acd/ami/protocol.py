"""One AMI TCP connection: panoramisk's AMIProtocol with its 1.4 traps removed.

Kept from panoramisk: ``Action`` (ActionIDs, the multi-message reply rules and
the reply future) and the ``responses`` table that correlates replies. Replaced:
``data_received`` (incremental UTF-8 decoding, one message failing never loses
the rest of the chunk or the connection, events bound for no pending action go
to the link), ``close``/``connection_lost`` (pending actions fail with
AmiNotConnected instead of being queued for a blind re-send).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from panoramisk.actions import Action
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from acd.ami.messages import AmiEvent, AmiNotConnected
from acd.ami.wire import BANNER_PREFIX, Framer, encode_message, parse_frame

log = logging.getLogger(__name__)

_ERRORS = ("Error", "Failure", "Fail")


@contextmanager
def collection_deferred() -> Iterator[None]:
    """No automatic garbage collection inside; the next allocation after starts one if due."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class LinkSink(Protocol):
    """What the protocol hands up to the link."""

    def on_event(self, event: AmiEvent) -> None: ...

    def on_garbage(self) -> None: ...

    def on_first_reply(self, action_id: str) -> None: ...

    def on_connection_lost(self, protocol: AmiProtocol, exc: Exception | None) -> None: ...


class AmiProtocol(AMIProtocol):  # type: ignore[misc]
    def __init__(self, sink: LinkSink) -> None:
        self.sink = sink
        self.framer = Framer()
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    version: str | None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self.encoding = "utf-8"
        self.log = log

    # -- sending ---------------------------------------------------------------------------

    def send(self, data: Any, as_list: bool | None = None) -> asyncio.Future[Any]:
        return self.send_together([data], as_list)[0]

    def send_together(
        self, actions: list[Any], as_list: bool | None = None
    ) -> list[asyncio.Future[Any]]:
        """Several actions in one write: one system call, and Asterisk reads them at once
        (a loopback send costs a sizeable part of a millisecond on a busy host)."""
        futures: list[asyncio.Future[Any]] = []
        wire = bytearray()
        for data in actions:
            if isinstance(data, Action):  # prepared by the caller, its as_list included
                action = data
            else:
                action = Action(dict(data), as_list=as_list)
                action.as_list = as_list
            futures.append(action.future)
            if self.closed:
                action.future.set_exception(AmiNotConnected("connection closed"))
                continue
            self.responses[action.id] = action
            ordered = [("Action", action["Action"]), ("ActionID", action.id)]
            ordered += [
                (k, v) for k, v in action.items() if k.lower() not in ("action", "actionid")
            ]
            wire += encode_message(_flatten(ordered))
        if wire:
            self.transport.write(bytes(wire))
        return futures

    def forget(self, action_id: str) -> None:
        """Drop a pending action (timed out): its late reply will then be ignored."""
        self.responses.pop(action_id, None)

    # -- receiving -------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        # The routing path (frame read -> action written) runs in here: a garbage
        # collection its allocations would start (up to milliseconds) waits until after.
        with collection_deferred():
            self._take_frames(data)

    def _take_frames(self, data: bytes) -> None:
        now = datetime.now(UTC)
        for frame in self.framer.feed(data):
            if self.version is None and frame.startswith(BANNER_PREFIX):
                self.version = frame.partition("\n")[0][len(BANNER_PREFIX) :].strip()
            message = parse_frame(frame, now)
            if message is None:
                if frame.strip() and not frame.startswith(BANNER_PREFIX):
                    self.sink.on_garbage()
                continue
            try:
                self.route(message)
            except Exception:  # one bad message must not cost the others or the link
                log.exception("AMI message handling failed: %s", message.name or "response")

    def route(self, message: AmiEvent) -> None:
        action_id = message.get("ActionID")
        action = self.responses.get(action_id) if isinstance(action_id, str) else None
        if action is not None:
            self._complete(action, message)
        elif "Event" in message:
            self.sink.on_event(message)
        else:
            log.debug("AMI reply for no pending action: %s", message.text("ActionID"))

    def _complete(self, action: Any, message: AmiEvent) -> None:
        reply = Message(message)
        first = not action.responses
        if first:
            self.sink.on_first_reply(action.id)
        if first and (message.text("Response") in _ERRORS or not _opens_list(message, action)):
            # panoramisk would wait for list items that never come: after an error
            # reply with as_list, and for QueueAdd's "Added interface to queue" (#54).
            done = True
            if not action.future.done():
                action.future.set_result(reply)
        else:
            done = bool(action.add_message(reply))
        if done:
            self.responses.pop(action.id, None)

    # -- closing ---------------------------------------------------------------------------

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail_pending()
        if not self.lost.done():
            self.lost.set_result(None)
        self.sink.on_connection_lost(self, exc)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.transport.abort()
        self._fail_pending()

    def _fail_pending(self) -> None:
        for action in list(self.responses.values()):
            if not action.future.done():
                action.future.set_exception(AmiNotConnected("connection lost before the reply"))
        self.responses.clear()


def _opens_list(message: AmiEvent, action: Any) -> bool:
    """Whether a first reply starts a list (EventList: start, "... will follow")."""
    if action.as_list is not None:
        return bool(action.as_list)
    return message.text("EventList").lower() == "start" or (
        "will follow" in message.text("Message").lower()
    )


def _flatten(pairs: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    flat: list[tuple[str, str]] = []
    for key, value in pairs:
        if isinstance(value, list | tuple):
            flat.extend((key, str(item)) for item in value)
        else:
            flat.append((key, str(value)))
    return flat
