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


_SCALARS = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    # Field by field, not via ``asdict``: that deep-copies the whole tree first, and the
    # snapshot is written after every routing change, on the event loop. Most fields are
    # scalars, taken as they are without the checks below.
    kind = type(value)
    if kind in _SCALARS:
        return value
    names = _FIELD_NAMES.get(kind)
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _names(kind)
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        return [plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def seats_snapshot(core: _Viewable, now: float) -> dict[str, Any]:
    return {"at": _iso(now), "seats": [plain(view) for view in core.seats_view(now)]}


def queue_snapshot(core: _Viewable, now: float) -> dict[str, Any]:
    return {"at": _iso(now), "waiting": [plain(view) for view in core.queue_view(now)]}


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()
