"""Fallback call records as the dialplan writes them to AstDB, read back from ``DBGetTree``.

Why AstDB and not a file, CDRs or AMI events: AstDB is Asterisk's own SQLite store,
written synchronously by the dialplan (``DB()``), survives an Asterisk restart, and
the ACD reads and deletes it over the AMI link it already has (``DBGetTree``,
``DBDelTree``: the ``system`` class it is already granted). Events would be lost
while the ACD is away, which is exactly when the fallback runs.

Layout: ``/acd-fallback/<Uniqueid>/<field>``. ``ended`` is written last, by the
``h`` extension, so a record with ``ended`` is whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

FAMILY = "acd-fallback"
SEATS_FAMILY = "acd-seats"
# A record that never ended (Asterisk stopped mid-call) is taken as ended this long
# after it entered the fallback, so it cannot wait in AstDB forever.
UNFINISHED_AFTER_SECONDS = 4 * 3600


class RecordError(ValueError):
    """A record in AstDB the ACD cannot read; it is left there and logged."""


@dataclass(frozen=True)
class FallbackRecord:
    """One call the fallback queue handled. ``seat`` is None when nobody answered."""

    call_id: str  # the caller channel's Uniqueid, which is the call's Linkedid
    number: str
    skill: str
    arrived_at: datetime  # the channel's creation, from its Uniqueid
    queued_at: datetime  # first reached acd-hold
    entered_at: datetime  # entered the fallback queue
    ended_at: datetime
    seat: str | None
    answered_at: datetime | None
    estimated_end: bool = False

    @property
    def answered(self) -> bool:
        return self.seat is not None

    @property
    def waited_seconds(self) -> float:
        until = self.answered_at or self.ended_at
        return max(0.0, (until - self.queued_at).total_seconds())


def group_tree(items: Iterable[Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """``DBGetTreeResponse`` items (``Key: /acd-fallback/<uid>/<field>``, ``Val``) by call.

    Asterisk 22 prints the full key, family first (checked on the real one, tests/pbx).
    """
    calls: dict[str, dict[str, str]] = {}
    for item in items:
        parts = str(item.get("Key", "")).split("/")
        if len(parts) != 4 or parts[:2] != ["", FAMILY] or not all(parts[2:]):
            continue  # not one of ours
        uid, field = parts[2:]
        calls.setdefault(uid, {})[field] = str(item.get("Val", ""))
    return calls


def parse_record(uid: str, fields: Mapping[str, str], now: datetime) -> FallbackRecord | None:
    """The record, or None while the call is still going on; RecordError when unreadable."""
    entered = _epoch(fields, "entered")
    ended_text = fields.get("ended", "")
    estimated = False
    if ended_text:
        ended = _epoch(fields, "ended")
    elif (now - entered).total_seconds() > UNFINISHED_AFTER_SECONDS:
        ended, estimated = now, True
    else:
        return None
    queued = _epoch(fields, "queued") if fields.get("queued") else entered
    seat = fields.get("seat") or None
    answered_at = None
    if seat is not None:
        held = _number(fields.get("held", "") or "0", "held")
        answered_at = datetime.fromtimestamp(entered.timestamp() + held, UTC)
    return FallbackRecord(
        call_id=uid,
        number=fields.get("number", "").strip(),
        skill=fields.get("skill", "") or "general",
        arrived_at=min(_created(uid) or queued, queued),
        queued_at=queued,
        entered_at=entered,
        ended_at=max(ended, answered_at or ended),
        seat=seat,
        answered_at=answered_at,
        estimated_end=estimated,
    )


def _epoch(fields: Mapping[str, str], name: str) -> datetime:
    if name not in fields:
        raise RecordError(f"no {name!r} field")
    return datetime.fromtimestamp(_number(fields[name], name), UTC)


def _number(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise RecordError(f"{name!r} is not a number: {text!r}") from None
    if not 0 <= value < 1e11:
        raise RecordError(f"{name!r} is out of range: {text!r}")
    return value


def _created(uid: str) -> datetime | None:
    """Asterisk's Uniqueid is ``[<system>-]<epoch>.<sequence>``."""
    seconds = uid.rpartition("-")[2].partition(".")[0]
    return datetime.fromtimestamp(int(seconds), UTC) if seconds.isdigit() else None
