"""CallTracker on hand-written events of our dialplan: pure, no I/O, time passed in."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.events import (
    CallArrived,
    CallbackOffered,
    CallConnected,
    CallEnded,
    CallWaiting,
    SeatFailed,
    SeatLegEnded,
    SeatPhoneBusy,
    SeatReachability,
    SeatRinging,
    Skill,
)
from acd.recording import CallOutcome
from acd.tracker import CallTracker

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
CALL = "pbx-1795911163.0"
TRUNK = "PJSIP/trunk-0000000a"
SEAT_LEG = "PJSIP/8001-0000000b"


def cs(channel: str, uid: str, **extra: str) -> dict[str, str]:
    return {"Channel": channel, "Uniqueid": uid, "Linkedid": CALL, **extra}


def arrival(number: str = "13800000001", name: str = "张小明") -> list[dict[str, str]]:
    return [
        {
            "Event": "Newchannel",
            **cs(TRUNK, CALL, Context="from-pstn", Exten="12355"),
            "CallerIDNum": number,
            "CallerIDName": name,
        },
        {
            "Event": "UserEvent",
            "UserEvent": "CallWaiting",
            **cs(TRUNK, CALL, Context="acd-hold"),
            "ACDCallerNum": number,
            "ACDCallerName": name,
            "ACDSkill": "legal",
            "WaitChannel": TRUNK,
            "Requeued": "0",
        },
    ]


def seat_answers() -> list[dict[str, str]]:
    return [
        {"Event": "DialBegin", **cs(TRUNK, CALL), "DestChannel": SEAT_LEG, "DialStatus": ""},
        {"Event": "Newchannel", **cs(SEAT_LEG, "pbx-1795911163.1", Context="acd-seat")},
        {"Event": "DialEnd", **cs(TRUNK, CALL), "DestChannel": SEAT_LEG, "DialStatus": "ANSWER"},
        {"Event": "BridgeEnter", **cs(SEAT_LEG, "pbx-1795911163.1")},
        {"Event": "BridgeEnter", **cs(TRUNK, CALL)},
    ]


def hangup(channel: str = TRUNK, uid: str = CALL, cause: str = "16") -> dict[str, str]:
    return {"Event": "Hangup", **cs(channel, uid), "Cause": cause}


def run(tracker: CallTracker, events: list[dict[str, str]]) -> list[object]:
    out: list[object] = []
    for i, event in enumerate(events):
        out += tracker.feed(event, T0 + timedelta(seconds=i))
    return out


def test_answered_call_yields_the_contract_events_in_order() -> None:
    out = run(
        CallTracker(), [*arrival(), *seat_answers(), hangup(SEAT_LEG, "pbx-1795911163.1"), hangup()]
    )
    assert [type(e) for e in out] == [
        CallArrived,
        CallWaiting,
        SeatRinging,
        CallConnected,
        SeatLegEnded,  # the agent hung up first: the seat's own leg ends
        CallEnded,
    ]
    arrived, waiting, ringing, connected, leg, ended = out
    assert isinstance(leg, SeatLegEnded) and (leg.seat, leg.channel) == ("8001", SEAT_LEG)
    assert isinstance(arrived, CallArrived) and arrived.caller_number == "+8613800000001"
    assert arrived.caller_name == "张小明" and arrived.dnis == "12355"
    assert isinstance(waiting, CallWaiting) and waiting.skill is Skill.LEGAL
    assert waiting.wait_channel == TRUNK and not waiting.requeued
    assert isinstance(ringing, SeatRinging) and ringing.seat == "8001"
    assert isinstance(connected, CallConnected) and connected.seat == "8001"
    assert isinstance(ended, CallEnded) and ended.connected and ended.cause == 16
    assert all(getattr(e, "call_id", None) == CALL for e in out)
    assert arrived.at == T0 and ended.at == T0 + timedelta(seconds=8)


def test_generic_record_has_caller_callee_and_times() -> None:
    tracker = CallTracker()
    run(tracker, [*arrival(), *seat_answers(), hangup(SEAT_LEG, "pbx-1795911163.1"), hangup()])
    (record,) = tracker.records()
    assert (record.caller, record.callee, record.outcome) == (
        "13800000001",
        "8001",
        CallOutcome.ANSWERED,
    )
    assert record.started_at == T0
    assert record.answered_at == T0 + timedelta(seconds=4)  # the DialEnd ANSWER
    assert record.ended_at == T0 + timedelta(seconds=8)
    assert [r.call_id for r in tracker.take_finished_records()] == [CALL]
    assert tracker.records() == []


def test_seat_fails_then_caller_is_requeued_and_offered_a_callback() -> None:
    events = [
        *arrival(),
        {"Event": "DialBegin", **cs(TRUNK, CALL), "DestChannel": SEAT_LEG},
        {"Event": "DialEnd", **cs(TRUNK, CALL), "DestChannel": SEAT_LEG, "DialStatus": "NOANSWER"},
        {
            "Event": "UserEvent",
            "UserEvent": "SeatFailed",
            **cs(TRUNK, CALL),
            "Seat": "8001",
            "DialStatus": "NOANSWER",
        },
        {**arrival()[1], "Requeued": "1"},
        {"Event": "UserEvent", "UserEvent": "CallbackOffered", **cs(TRUNK, CALL)},
        hangup(),
    ]
    out = run(CallTracker(), events)
    kinds = [type(e).__name__ for e in out]
    assert kinds == [
        "CallArrived",
        "CallWaiting",
        "SeatRinging",
        "SeatFailed",
        "CallWaiting",
        "CallbackOffered",
        "CallEnded",
    ]
    failed, requeued, offered, ended = out[3], out[4], out[5], out[6]
    assert isinstance(failed, SeatFailed) and failed.dial_status == "NOANSWER"
    assert isinstance(requeued, CallWaiting) and requeued.requeued
    assert isinstance(offered, CallbackOffered) and offered.reason == "overflow"
    assert isinstance(ended, CallEnded) and not ended.connected


def test_other_contexts_and_unknown_channels_are_ignored() -> None:
    tracker = CallTracker()
    internal = {
        "Event": "Newchannel",
        **cs("PJSIP/8001-00000001", CALL, Context="seats", Exten="8002"),
    }
    wrong_dnis = {
        "Event": "Newchannel",
        **cs(TRUNK, CALL, Context="from-pstn", Exten="110"),
        "CallerIDNum": "13800000001",
    }
    stray = [hangup(), {"Event": "UserEvent", "UserEvent": "CallWaiting", **cs(TRUNK, CALL)}]
    assert run(tracker, [internal, wrong_dnis, *stray]) == []


def test_resync_keeps_a_live_call_and_ends_a_vanished_one() -> None:
    tracker = CallTracker()
    run(tracker, arrival())
    other = "pbx-1795911170.9"
    run(
        tracker,
        [
            {
                "Event": "Newchannel",
                "Channel": "PJSIP/trunk-0000000c",
                "Uniqueid": other,
                "Linkedid": other,
                "Context": "from-pstn",
                "Exten": "12355",
                "CallerIDNum": "13900000002",
            }
        ],
    )
    snapshot = [{**cs(TRUNK, CALL), "Context": "acd-hold", "CallerIDNum": "13800000001"}]
    out = tracker.resync(snapshot, T0 + timedelta(minutes=5))
    assert len(out) == 1
    ended = out[0]
    assert isinstance(ended, CallEnded) and ended.call_id == other and ended.estimated
    assert tracker.active_calls == [CALL]
    assert tracker.resync(snapshot, T0 + timedelta(minutes=6)) == []  # idempotent


def test_resync_announces_a_call_that_arrived_during_the_outage() -> None:
    tracker = CallTracker()
    snapshot = [
        {**cs(TRUNK, CALL), "Context": "acd-hold", "CallerIDNum": "13800000001"},
        {**cs(SEAT_LEG, "pbx-1795911163.5"), "Context": "seats"},
    ]
    out = tracker.resync(snapshot, T0)
    assert [type(e) for e in out] == [CallArrived, CallWaiting]
    assert tracker.resync(snapshot, T0) == []


def test_seat_reachability_only_on_change() -> None:
    tracker = CallTracker()
    events = [
        {"Event": "ContactStatus", "EndpointName": "8001", "ContactStatus": "Reachable"},
        {"Event": "ContactStatus", "EndpointName": "8001", "ContactStatus": "Reachable"},
        # after an Asterisk restart every phone is UNAVAILABLE until qualified: not trusted
        {"Event": "DeviceStateChange", "Device": "PJSIP/8001", "State": "UNAVAILABLE"},
        {"Event": "DeviceStateChange", "Device": "PJSIP/trunk", "State": "UNAVAILABLE"},
        {"Event": "ContactStatus", "EndpointName": "8001", "ContactStatus": "Removed"},
        {"Event": "DeviceStateChange", "Device": "PJSIP/8001", "State": "NOT_INUSE"},
        {"Event": "ContactStatus", "EndpointName": "8001", "ContactStatus": "Created"},
    ]
    out = run(tracker, events)
    assert [(e.seat, e.reachable) for e in out if isinstance(e, SeatReachability)] == [
        ("8001", True),
        ("8001", False),
        ("8001", True),
    ]


def test_a_phone_in_use_is_reported_busy_and_free_again() -> None:
    """device_state_busy_at=1: a phone on any call (a consult, a listen-in) is BUSY."""
    tracker = CallTracker()
    events = [
        {"Event": "DeviceStateChange", "Device": "PJSIP/8001", "State": "BUSY"},
        {"Event": "DeviceStateChange", "Device": "PJSIP/8001", "State": "INUSE"},
        {"Event": "DeviceStateChange", "Device": "PJSIP/trunk", "State": "BUSY"},
        {"Event": "DeviceStateChange", "Device": "PJSIP/8001", "State": "UNAVAILABLE"},
        {"Event": "DeviceStateChange", "Device": "PJSIP/8001", "State": "NOT_INUSE"},
    ]
    out = run(tracker, events)
    assert [(e.seat, e.busy) for e in out if isinstance(e, SeatPhoneBusy)] == [
        ("8001", True),
        ("8001", False),
    ]


@given(
    number=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    name=st.text(alphabet="张王李赵小明红华", min_size=0, max_size=4),
)
def test_caller_number_is_normalised_and_name_kept(number: str, name: str) -> None:
    out = run(CallTracker(), arrival(number, name))
    arrived = out[0]
    assert isinstance(arrived, CallArrived)
    assert arrived.caller_number == "+86" + number
    assert arrived.caller_name == name


def test_caller_number_never_logged_in_full(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    with caplog.at_level(logging.DEBUG, logger="acd.tracker"):
        run(CallTracker(), [*arrival("13812345678"), hangup()])
    assert caplog.records, "the arrival is logged"
    assert "13812345678" not in caplog.text and "+8613812345678" not in caplog.text


def test_finished_records_are_bounded_when_nobody_takes_them() -> None:
    from acd.recording import CallRecorder

    recorder = CallRecorder(keep_finished=5)
    for n in range(20):
        uid = f"pbx-{n}.0"
        base = {"Channel": f"PJSIP/trunk-{n:08x}", "Uniqueid": uid, "Linkedid": uid}
        recorder.feed({"Event": "Newchannel", **base, "CallerIDNum": f"1380000{n:04d}"}, T0)
        recorder.feed({"Event": "Hangup", **base, "Cause": "16"}, T0)
    kept = recorder.records()
    assert [r.call_id for r in kept] == [f"pbx-{n}.0" for n in range(15, 20)]
    assert all(r.outcome is CallOutcome.CANCELLED for r in kept)


def test_resync_learns_a_call_was_answered_during_the_outage() -> None:
    tracker = CallTracker()
    run(tracker, arrival())
    snapshot = [
        {**cs(TRUNK, CALL), "Context": "acd-seat", "BridgeId": "b-1"},
        {**cs(SEAT_LEG, "pbx-1795911163.1"), "Context": "acd-seat", "BridgeId": "b-1"},
    ]
    out = tracker.resync(snapshot, T0 + timedelta(minutes=1))
    assert len(out) == 1
    connected = out[0]
    assert isinstance(connected, CallConnected) and connected.seat == "8001"
    assert tracker.resync(snapshot, T0 + timedelta(minutes=2)) == []
    (ended,) = tracker.feed(hangup(), T0 + timedelta(minutes=3))
    assert isinstance(ended, CallEnded) and ended.connected


def test_a_failure_on_one_event_does_not_stop_tracking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tracker = CallTracker()
    real_feed = tracker.recorder.feed

    def fragile(event: Mapping[str, str | list[str]], now: datetime) -> None:
        if event.get("Event") == "UserEvent":
            raise KeyError("surprise")
        real_feed(event, now)

    monkeypatch.setattr(tracker.recorder, "feed", fragile)
    out = run(tracker, [*arrival(), *seat_answers(), hangup()])
    assert [type(e) for e in out] == [CallArrived, SeatRinging, CallConnected, CallEnded]


def test_a_call_lost_before_its_number_was_known_still_arrives_before_it_ends() -> None:
    tracker = CallTracker()
    unknown = {**arrival()[0], "CallerIDNum": "<unknown>"}  # a Local origin learns it later
    assert tracker.feed(unknown, T0) == []
    out = tracker.resync([], T0 + timedelta(seconds=30))
    assert [type(e) for e in out] == [CallArrived, CallEnded]
    arrived, ended = out
    assert isinstance(arrived, CallArrived) and arrived.caller_number == ""
    assert isinstance(ended, CallEnded) and ended.estimated


def test_a_resync_takes_none_of_the_acds_own_legs_for_a_new_caller() -> None:
    """After a reconnect mid-conference: the police line, a callback, a listen-in."""
    tracker = CallTracker(seats=["8001"])
    own = [
        {"Channel": "PJSIP/trunk-00000010", "Uniqueid": "crisis-conf-771",
         "Linkedid": "crisis-conf-771", "Context": "from-pstn", "Exten": "s",
         "CallerIDNum": "12355"},
        {"Channel": "PJSIP/8099-00000011", "Uniqueid": "cb-4-1-ab12cd34",
         "Linkedid": "cb-4-1-ab12cd34", "Context": "acd-callback", "Exten": "13800000001"},
        {"Channel": "PJSIP/8090-00000012", "Uniqueid": "listen-5f1c",
         "Linkedid": "listen-5f1c", "Context": "acd-hold", "Exten": "s"},
        {"Channel": "PJSIP/trunk-00000013", "Uniqueid": "pbx-1795911170.9",
         "Linkedid": "pbx-1795911170.9", "Context": "from-pstn", "Exten": "s"},
    ]  # fmt: skip
    out = tracker.resync(own, T0, contacts=None)
    assert [e for e in out if isinstance(e, CallArrived)] == []
    assert tracker.active_calls == []


def test_a_resync_ends_seat_legs_that_vanished_and_frees_phones_left_in_use() -> None:
    tracker = CallTracker(seats=["8001"])
    run(tracker, [*arrival(), *seat_answers()])
    tracker.feed({"Event": "DeviceStateChange", "Device": "PJSIP/8001", "State": "BUSY"}, T0)
    out = tracker.resync([], T0 + timedelta(seconds=60), contacts=None)
    kinds = [type(e) for e in out]
    assert kinds == [CallEnded, SeatLegEnded, SeatPhoneBusy]
    assert not [e for e in out if isinstance(e, SeatReachability)]  # contacts not listed
