"""Logging setup: structured lines, and phone numbers masked in every message.

The callers are minors: whatever a module logs, a mobile number never reaches
the log in full. The filter is a safety net; modules mask numbers themselves too.
``CALLCENTER_LOG_FORMAT=json`` writes one JSON object per line for a log
shipper; the console format is the default. A line logged while a call's event
is being handled carries that call's id (``call_context``), so every line about
a call can be found by its Linkedid.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
from collections import deque
from collections.abc import MutableMapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import structlog

from callcenter.kernel.phone import mask

# Chinese mobile numbers, with or without +86, and other long digit runs that look like numbers.
PHONE = re.compile(r"(?<![\d.])(?:\+?86)?1[3-9]\d{9}(?!\d)")


def mask_numbers(text: str) -> str:
    return PHONE.sub(lambda match: mask(match.group(0)), text)


class MaskNumbersFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            try:
                record.msg = record.getMessage()
            except (TypeError, ValueError):
                return True
            record.args = None
        if isinstance(record.msg, str):
            record.msg = mask_numbers(record.msg)
        return True


# The call a line is about. One ContextVar of its own, set and reset per event handled:
# structlog's ``bound_contextvars`` costs several times as much, and every subscriber
# enters it for every event (about 4 % of serve's CPU under calls).
_CALL_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("call_id", default=None)


class _CallContext:
    __slots__ = ("_call_id", "_token")

    def __init__(self, call_id: str | None) -> None:
        self._call_id = call_id
        self._token: contextvars.Token[str | None] | None = None

    def __enter__(self) -> None:
        if self._call_id is not None:
            self._token = _CALL_ID.set(self._call_id)

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _CALL_ID.reset(self._token)
            self._token = None


def call_context(call_id: str | None) -> AbstractContextManager[None]:
    """While inside, every log line carries ``call_id`` (no-op for events of no call)."""
    return _CallContext(call_id)


def current_call_id() -> str | None:
    """The call the code running now is handling, if any."""
    return _CALL_ID.get()


def _add_call_id(
    logger: object, method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    call_id = _CALL_ID.get()
    if call_id is not None:
        event.setdefault("call_id", call_id)
    return event


def _mask_fields(
    logger: object, method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = mask_numbers(value)
    return event


def _keep(logger: object, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return event


def _stamp(
    logger: object, method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """When the line was logged (the record's time), not when it was written out."""
    record = event.get("_record")
    created = record.created if isinstance(record, logging.LogRecord) else None
    moment = datetime.fromtimestamp(created, UTC) if created else datetime.now(UTC)
    event["timestamp"] = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return event


class DeferredHandler(logging.Handler):
    """Formats and writes a line logged on the event loop after the loop's current
    callback, so the routing path (AMI event → decision → action) never waits for
    the formatting and the write. Elsewhere (threads, no loop) it writes at once."""

    def __init__(self, target: logging.Handler) -> None:
        super().__init__()
        self.target = target
        self._pending: deque[tuple[contextvars.Context, logging.LogRecord]] = deque()
        self._scheduled = False

    def emit(self, record: logging.LogRecord) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.target.handle(record)
            return
        # the context carries the call id the line is about (``call_context``)
        self._pending.append((contextvars.copy_context(), record))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._write_pending)

    def _write_pending(self) -> None:
        self._scheduled = False
        while self._pending:
            context, record = self._pending.popleft()
            context.run(self.target.handle, record)

    def flush(self) -> None:
        """At exit (logging.shutdown) or on demand: nothing logged is left unwritten."""
        self._write_pending()
        self.target.flush()


def configure_logging(level: str = "INFO", json: bool = False) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        # plain tracebacks: rich's boxed, highlighted ones cost tens of milliseconds each,
        # too much for a service that may log a failure every second while a database is away
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        processor=renderer,
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            _add_call_id,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            _stamp,
            structlog.processors.format_exc_info if json else _keep,
            _mask_fields,
        ],
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    handler.addFilter(MaskNumbersFilter())
    root = logging.getLogger()
    root.handlers[:] = [DeferredHandler(handler)]
    root.setLevel(level)
    for noisy in ("uvicorn.access", "aiosqlite", "sqlalchemy.engine"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
