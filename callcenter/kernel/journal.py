"""A local append-only journal that keeps domain events while the database is away.

The recorder writes here when a database write fails, and keeps writing here
(to preserve order) until the journal has been replayed into the database. The
file survives a restart of the process: on start the recorder replays it first.
One JSON object per line; events are rebuilt from their dataclass fields.
"""

from __future__ import annotations

import dataclasses
import json
import os
import typing
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from callcenter.kernel.bus import DomainEvent


def encode(event: DomainEvent) -> str:
    data: dict[str, Any] = {"kind": event.kind}
    for item in dataclasses.fields(event):
        value = getattr(event, item.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Enum):
            value = value.value
        data[item.name] = value
    # ASCII only: no character in a caller name can ever read as a line break.
    return json.dumps(data, ensure_ascii=True)


def _event_classes() -> dict[str, type[DomainEvent]]:
    found: dict[str, type[DomainEvent]] = {}
    pending: list[type[DomainEvent]] = [DomainEvent]
    while pending:
        cls = pending.pop()
        found[cls.__name__] = cls
        pending.extend(cls.__subclasses__())
    return found


def decode(line: str) -> DomainEvent:
    data = json.loads(line)
    cls = _event_classes()[data.pop("kind")]
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for item in dataclasses.fields(cls):
        if item.name not in data:
            continue
        values[item.name] = _revive(hints.get(item.name), data[item.name])
    return cls(**values)


def _revive(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    options = (
        typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, _UnionType) else (hint,)
    )
    for option in options:
        if option is datetime:
            return datetime.fromisoformat(value)
        if isinstance(option, type) and issubclass(option, Enum):
            return option(value)
    return value


_UnionType = type(int | None)


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __len__(self) -> int:
        if not self.path.exists():
            return 0
        with self.path.open(encoding="utf-8") as handle:
            return sum(1 for line in handle if line.strip())

    def append(self, event: DomainEvent) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(encode(event) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def pending(self) -> list[DomainEvent]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [decode(line) for line in handle if line.strip()]

    def drop_first(self, count: int) -> None:
        """Remove the first ``count`` events (they reached the database)."""
        if count <= 0 or not self.path.exists():
            return
        lines = self.path.read_text(encoding="utf-8").split("\n")
        rest = [line for line in lines if line.strip()][count:]
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text("".join(line + "\n" for line in rest), encoding="utf-8")
        os.replace(temporary, self.path)
