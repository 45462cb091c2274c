"""Logging setup: structured lines, and phone numbers masked in every message.

The callers are minors: whatever a module logs, a mobile number never reaches
the log in full. The filter is a safety net; modules mask numbers themselves too.
``CALLCENTER_LOG_FORMAT=json`` writes one JSON object per line for a log
shipper; the console format is the default. A line logged while a call's event
is being handled carries that call's id (``call_context``), so every line about
a call can be found by its Linkedid.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from contextlib import AbstractContextManager, nullcontext
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


def call_context(call_id: str | None) -> AbstractContextManager[object]:
    """While inside, every log line carries ``call_id`` (no-op for events of no call)."""
    if call_id is None:
        return nullcontext()
    return structlog.contextvars.bound_contextvars(call_id=call_id)


def _mask_fields(
    logger: object, method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = mask_numbers(value)
    return event


def _keep(logger: object, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return event


def configure_logging(level: str = "INFO", json: bool = False) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        processor=renderer,
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info if json else _keep,
            _mask_fields,
        ],
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    handler.addFilter(MaskNumbersFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access", "aiosqlite", "sqlalchemy.engine"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
