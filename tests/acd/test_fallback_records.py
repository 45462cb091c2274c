"""Reading the fallback's AstDB records and its heartbeat: pure, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.fallback import actions
from acd.fallback.periods import stale_since
from acd.fallback.records import (
    UNFINISHED_AFTER_SECONDS,
    RecordError,
    group_tree,
    parse_record,
)

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
T = NOW.timestamp()
UID = f"pbx-{int(T) - 100}.7"


def _tree(uid: str, **fields: str) -> list[dict[str, str]]:
    return [{"Key": f"/acd-fallback/{uid}/{name}", "Val": value} for name, value in fields.items()]


def test_a_listing_groups_into_one_record_per_call_and_ignores_other_keys() -> None:
    items = [
        *_tree("pbx-1.1", number="138", ended="5"),
        *_tree("pbx-2.2", number="139"),
        {"Key": "/acd-seats/8001", "Val": "available"},
        {"Key": "/acd-fallback/odd", "Val": "x"},
        {"Key": "/acd-fallback/pbx-3.3/", "Val": "137"},
    ]
    assert group_tree(items) == {
        "pbx-1.1": {"number": "138", "ended": "5"},
        "pbx-2.2": {"number": "139"},
    }


def test_an_answered_record_names_the_seat_and_when_it_answered() -> None:
    fields = {"number": "13800000001", "skill": "legal", "queued": f"{T - 80:.3f}",
              "entered": f"{T - 60:.0f}", "seat": "8002", "held": "4",
              "ended": f"{T - 10:.0f}"}  # fmt: skip
    record = parse_record(UID, fields, NOW)
    assert record is not None and record.answered
    assert record.seat == "8002" and record.skill == "legal"
    assert record.answered_at == NOW - timedelta(seconds=56)
    assert record.queued_at == NOW - timedelta(seconds=80)
    assert record.arrived_at == NOW - timedelta(seconds=100)  # from the Uniqueid
    assert record.waited_seconds == 24


def test_an_abandoned_record_has_no_seat_and_waited_until_it_ended() -> None:
    fields = {"number": "138", "entered": f"{T - 30:.0f}", "ended": f"{T - 20:.0f}"}
    record = parse_record(UID, fields, NOW)
    assert record is not None and not record.answered and record.answered_at is None
    assert record.skill == "general" and record.waited_seconds == 10


def test_a_call_still_in_the_queue_is_not_a_record_yet_until_it_is_hours_old() -> None:
    assert parse_record(UID, {"entered": f"{T - 30:.0f}"}, NOW) is None
    old = {"number": "138", "entered": f"{T - UNFINISHED_AFTER_SECONDS - 1:.0f}"}
    record = parse_record(UID, old, NOW)
    assert record is not None and record.estimated_end and record.ended_at == NOW


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"ended": "5"}, "no 'entered'"),
        ({"entered": "yesterday", "ended": "5"}, "'entered' is not a number"),
        ({"entered": "1", "ended": "-5"}, "'ended' is out of range"),
        ({"entered": "1", "ended": "2", "seat": "8001", "held": "x"}, "'held' is not a number"),
    ],
)
def test_an_unreadable_record_is_refused_with_the_field_named(
    fields: dict[str, str], says: str
) -> None:
    with pytest.raises(RecordError, match=says):
        parse_record(UID, fields, NOW)


@given(
    st.dictionaries(
        st.sampled_from(["number", "skill", "queued", "entered", "seat", "held", "ended"]),
        st.one_of(st.text(max_size=12), st.integers(0, 2_000_000_000).map(str)),
    )
)
def test_whatever_astdb_holds_a_record_parses_or_is_refused_never_crashes(
    fields: dict[str, str],
) -> None:
    try:
        record = parse_record(UID, fields, NOW)
    except RecordError:
        return
    if record is not None:
        assert record.ended_at >= (record.answered_at or record.ended_at)
        assert record.arrived_at <= record.queued_at
        assert record.waited_seconds >= 0


def test_a_stale_heartbeat_tells_when_the_fallback_began() -> None:
    assert stale_since(f"{T - 40:.0f}", NOW, 30) == NOW - timedelta(seconds=10)
    assert stale_since(f"{T - 20:.0f}", NOW, 30) is None  # fresh: a standby took over in time
    assert stale_since("", NOW, 30) is None  # Asterisk restarted: the records tell instead


def test_a_seat_is_a_queue_member_while_logged_in_and_paused_while_paused() -> None:
    assert actions.seat_value("available") == actions.seat_value("on_call") == "available"
    assert actions.seat_value("paused") == "paused"
    assert actions.seat_value("offline") is None
    assert actions.heartbeat(T + 0.9) == {
        "Action": "Setvar",
        "Variable": "ACD_HEARTBEAT",
        "Value": str(int(T)),
    }  # no Channel: a global variable
