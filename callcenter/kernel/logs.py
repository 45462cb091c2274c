"""Logging setup: structured lines, and phone numbers masked in every message.

The callers are minors: whatever a module logs, a mobile number never reaches
the log in full. The filter is a safety net; modules mask numbers themselves too.
"""

from __future__ import annotations

import logging
import re

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


def configure_logging(level: str = "INFO", json: bool = False) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        processor=renderer,
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
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
