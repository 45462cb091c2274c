"""Surge capacity: which seats are open for login, and the campaign behind a surge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SurgeState:
    """Whether surge is on; ``reason`` names the campaign (e.g. "flood") while it is."""

    on: bool = False
    reason: str = ""
    since: float = 0.0


def open_seats(seats: Sequence[str], normal_seats: int, surge: SurgeState) -> frozenset[str]:
    """The first ``normal_seats`` seats are always open; surge opens all of them."""
    if surge.on:
        return frozenset(seats)
    return frozenset(seats[:normal_seats])
