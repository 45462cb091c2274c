"""Surge capacity decides which seats are open for login."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from seats.surge import SurgeState, open_seats

SEATS = [str(n) for n in range(8001, 8021)]


@given(st.integers(1, 20))
def test_without_surge_only_the_normal_seats_are_open(normal: int) -> None:
    assert open_seats(SEATS, normal, SurgeState()) == frozenset(SEATS[:normal])


@given(st.integers(1, 20))
def test_surge_opens_every_seat(normal: int) -> None:
    assert open_seats(SEATS, normal, SurgeState(True, "flood", 0.0)) == frozenset(SEATS)
