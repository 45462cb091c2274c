"""AMI framing: bytes from the socket → text frames → header mappings.

Decoding is incremental, so a multibyte UTF-8 character split across two TCP
reads survives (panoramisk decodes each read on its own and drops it). Invalid
bytes become U+FFFD instead of vanishing silently.
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from acd.ami.messages import AmiEvent, HeaderValue

log = logging.getLogger(__name__)

BANNER_PREFIX = "Asterisk Call Manager/"
# A frame that grows past this without a blank line is garbage, not a message.
MAX_PENDING_CHARS = 1_000_000


class Framer:
    """Splits a byte stream into AMI frames (messages end with an empty line)."""

    def __init__(self, encoding: str = "utf-8") -> None:
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._tail = ""
        self.dropped_chars = 0

    def feed(self, data: bytes) -> list[str]:
        text = self._decoder.decode(data)
        if self._tail:
            text = self._tail + text
        # Asterisk sends CRLF; LF-only streams (and stray LFs) are accepted too.
        frames = text.replace("\r\n", "\n").split("\n\n")
        tail = frames.pop()
        if len(tail) > MAX_PENDING_CHARS:
            log.warning("AMI frame over %d characters without an end: dropped", len(tail))
            self.dropped_chars += len(tail)
            tail = ""
        self._tail = tail
        return frames

    def reset(self) -> None:
        self._decoder.reset()
        self._tail = ""


def parse_frame(frame: str, received_at: datetime) -> AmiEvent | None:
    """Headers of one frame; ``None`` for a frame with neither Event nor Response."""
    lines = frame.split("\n")
    try:  # the common frame: every line "Key: Value", no key repeated
        headers = AmiEvent(dict([line.split(": ", 1) for line in lines]), received_at)
        if len(headers) != len(lines):
            headers = _parse_slowly(lines, received_at)
    except ValueError:
        headers = _parse_slowly(lines, received_at)
    if "Event" in headers or "Response" in headers:
        return headers
    return None


def _parse_slowly(lines: list[str], received_at: datetime) -> AmiEvent:
    headers = AmiEvent(received_at=received_at)
    for line in lines:
        key, sep, value = line.partition(": ")
        if not sep:
            if line.endswith(":"):  # "Key:" with an empty value and no space
                key, value = line[:-1], ""
            else:
                continue  # the banner, a Follows body line, or garbage
        old = headers.get(key)
        if old is None:
            headers[key] = value
        elif isinstance(old, list):
            old.append(value)
        else:
            headers[key] = [old, value]
    return headers


def encode_message(headers: Mapping[str, HeaderValue] | Sequence[tuple[str, str]]) -> bytes:
    """One AMI message in CRLF framing; a list value becomes repeated header lines."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    lines: list[str] = []
    for key, value in pairs:
        if isinstance(value, list):
            lines.extend(f"{key}: {item}" for item in value)
        else:
            lines.append(f"{key}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
