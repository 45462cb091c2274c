"""JSON-ready views of the ACD's seats and queue, as the API and the wallboard show them."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Protocol


class _Viewable(Protocol):
    def seats_view(self, now: float) -> list[Any]: ...
    def queue_view(self, now: float) -> list[Any]: ...


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _names(kind: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(field.name for field in fields(kind))
    return names


def _plain(value: Any) -> Any:
    # Field by field, not via ``asdict``: that deep-copies the whole tree first, and the
    # snapshot is written after every routing change, on the event loop.
    if is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(getattr(value, name)) for name in _names(type(value))}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        return [_plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def seats_snapshot(core: _Viewable, now: float) -> dict[str, Any]:
    return {"at": _iso(now), "seats": [_plain(view) for view in core.seats_view(now)]}


def queue_snapshot(core: _Viewable, now: float) -> dict[str, Any]:
    return {"at": _iso(now), "waiting": [_plain(view) for view in core.queue_view(now)]}


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()
