"""Journalled events come back exactly as they went in, in order."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from acd.events import CallArrived, CallEnded, CallMissed, CallWaiting, MissReason, Skill
from callcenter.kernel.bus import DomainEvent
from callcenter.kernel.journal import Journal, decode, encode

moments = st.datetimes(
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001 (hypothesis bounds are naive)
    max_value=datetime(2040, 1, 1),  # noqa: DTZ001 (hypothesis bounds are naive)
    timezones=st.just(UTC),
)
ids = st.text(alphabet="abc0123456789.-", min_size=1, max_size=20)
names = st.text(max_size=10)  # Chinese and any other text

events = st.one_of(
    st.builds(
        CallArrived, call_id=ids, caller_number=st.text(max_size=16), caller_name=names, at=moments
    ),
    st.builds(
        CallWaiting,
        call_id=ids,
        caller_number=st.text(max_size=16),
        skill=st.sampled_from(Skill),
        wait_channel=ids,
        requeued=st.booleans(),
        at=moments,
    ),
    st.builds(
        CallMissed,
        call_id=ids,
        caller_number=st.text(max_size=16),
        reason=st.sampled_from(MissReason),
        waited_seconds=st.floats(0, 1e4),
        at=moments,
    ),
    st.builds(
        CallEnded,
        call_id=ids,
        cause=st.integers(0, 127),
        connected=st.booleans(),
        estimated=st.booleans(),
        at=moments,
    ),
)


@given(events)
def test_an_event_survives_encoding(event: DomainEvent) -> None:
    assert decode(encode(event)) == event


@settings(max_examples=20, deadline=None)  # each append is fsynced: slow disks are slow
@given(st.lists(events, max_size=6), st.integers(0, 6))
def test_the_journal_keeps_order_and_drops_only_what_was_written(
    batch: list[DomainEvent], written: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        journal = Journal(Path(folder) / "journal.jsonl")
        for event in batch:
            journal.append(event)
        assert journal.pending() == batch
        journal.drop_first(min(written, len(batch)))
        assert journal.pending() == batch[written:]
        assert len(journal) == len(batch[written:])
