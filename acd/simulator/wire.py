"""AMI framing: parse client actions from a byte stream and encode replies and events.

Asterisk accepts ``\\n`` or ``\\r\\n`` from clients and always writes ``\\r\\n``;
a message ends with an empty line. Header names are matched case-insensitively,
repeated headers (``Variable``) are legal, and a value may itself contain ``": "``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

BANNER = b"Asterisk Call Manager/11.0.0\r\n"

Headers = list[tuple[str, str]]

_MESSAGE_END = re.compile(rb"\r?\n\r?\n")


@dataclass
class Message:
    """One client message: its headers in wire order, looked up case-insensitively."""

    headers: Headers = field(default_factory=list)

    def get(self, name: str, default: str = "") -> str:
        key = name.lower()
        for k, v in self.headers:
            if k.lower() == key:
                return v
        return default

    def get_all(self, name: str) -> list[str]:
        key = name.lower()
        return [v for k, v in self.headers if k.lower() == key]

    def has(self, name: str) -> bool:
        key = name.lower()
        return any(k.lower() == key for k, _ in self.headers)

    @property
    def action(self) -> str:
        return self.get("Action").strip()

    @property
    def action_id(self) -> str | None:
        return self.get("ActionID") if self.has("ActionID") else None

    def as_dict(self) -> dict[str, str]:
        """Headers as a dict; a repeated header's values are joined with commas, as AMI allows."""
        out: dict[str, str] = {}
        for k, v in self.headers:
            out[k] = f"{out[k]},{v}" if k in out else v
        return out


class ActionParser:
    """Incremental parser: feed bytes in any chunking, get whole messages out.

    Bytes are buffered until a blank line ends a message, so a multibyte UTF-8
    character cut between two reads is decoded whole.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> Iterator[Message]:
        self._buffer += data
        while True:
            end = _MESSAGE_END.search(self._buffer)
            if end is None:
                return
            raw = bytes(self._buffer[: end.start()])
            del self._buffer[: end.end()]
            message = parse_message(raw.decode("utf-8", errors="replace"))
            if message.headers:
                yield message

    @property
    def pending(self) -> bytes:
        return bytes(self._buffer)


def parse_message(text: str) -> Message:
    headers: Headers = []
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        headers.append((key.strip(), value[1:] if value.startswith(" ") else value))
    return Message(headers)


def encode(headers: Iterable[tuple[str, str]]) -> bytes:
    """One AMI message: ``Key: Value\\r\\n`` lines and the blank line that ends it."""
    lines = [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def response(
    status: str, action_id: str | None, message: str | None = None, *extra: tuple[str, str]
) -> Headers:
    """A reply to an action: ``Response`` first, ``ActionID`` second only if the client sent one."""
    out: Headers = [("Response", status)]
    if action_id is not None:
        out.append(("ActionID", action_id))
    out.extend(extra)
    if message is not None:
        out.append(("Message", message))
    return out


def list_start(action_id: str | None, message: str) -> Headers:
    out: Headers = [("Response", "Success")]
    if action_id is not None:
        out.append(("ActionID", action_id))
    out += [("EventList", "start"), ("Message", message)]
    return out


def list_item(event: str, action_id: str | None, body: Headers) -> Headers:
    """A list item event: no Privilege line, ActionID right after Event."""
    out: Headers = [("Event", event)]
    if action_id is not None:
        out.append(("ActionID", action_id))
    return out + body


def list_complete(event: str, action_id: str | None, count: int) -> Headers:
    out: Headers = [("Event", event)]
    if action_id is not None:
        out.append(("ActionID", action_id))
    return [*out, ("EventList", "Complete"), ("ListItems", str(count))]
