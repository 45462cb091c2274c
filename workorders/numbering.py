"""Readable work-order numbers: ``12355-YYYYMMDD-NNNN`` in the hotline's local day."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from callcenter.kernel.calendar import local_date


def local_day(at: datetime, zone: ZoneInfo) -> str:
    """The hotline's calendar day of ``at`` as ``YYYYMMDD``."""
    return local_date(at, zone).strftime("%Y%m%d")


def readable_number(hotline: str, day: str, sequence: int) -> str:
    """``12355-20261128-0042``; the sequence widens past 9999 instead of wrapping."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{hotline}-{day}-{sequence:04d}"
