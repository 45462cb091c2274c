"""bench.pbx_routing's reading of Asterisk's events: which ring counts as what."""

from __future__ import annotations

from acd.ami import AmiEvent
from bench.pbx_routing import Timeline, analyse


def _timeline(*events: tuple[float, dict[str, str]]) -> Timeline:
    timeline = Timeline(frozenset({"8001", "8002"}))
    for stamp, headers in events:
        timeline.keep(AmiEvent({**headers, "Timestamp": f"{stamp:.6f}"}))
    return timeline


def _waiting(stamp: float, caller: str) -> tuple[float, dict[str, str]]:
    return stamp, {"Event": "UserEvent", "UserEvent": "CallWaiting", "Linkedid": caller}


def _ring(stamp: float, leg: str, caller: str) -> list[tuple[float, dict[str, str]]]:
    return [
        (stamp, {"Event": "Newchannel", "Channel": leg, "Linkedid": caller}),
        (stamp + 0.0005, {"Event": "DialBegin", "DestChannel": leg, "Linkedid": caller}),
        (stamp + 0.5, {"Event": "DialEnd", "DestChannel": leg, "Linkedid": caller,
                       "DialStatus": "ANSWER"}),
    ]  # fmt: skip


def _hangup(stamp: float, leg: str) -> tuple[float, dict[str, str]]:
    return stamp, {"Event": "Hangup", "Channel": leg}


def test_a_caller_waiting_when_the_seat_frees_up_counts_from_the_hangup() -> None:
    figures = analyse(
        _timeline(
            _waiting(10.0, "a"),
            *_ring(10.003, "PJSIP/8001-01", "a"),  # the seat was idle: from CallWaiting
            _waiting(11.0, "b"),  # all seats busy: b waits
            _hangup(14.0, "PJSIP/8001-01"),
            *_ring(14.004, "PJSIP/8001-02", "b"),  # the freed seat rings for b
        )
    )
    assert [round(s, 4) for s in figures.idle] == [0.0035]
    assert [round(s, 4) for s in figures.freed] == [0.004]
    assert figures.answered == {"a", "b"} and figures.doubled == []


def test_a_seat_rung_while_its_last_call_is_still_up_is_reported() -> None:
    figures = analyse(
        _timeline(
            _waiting(1.0, "a"),
            *_ring(1.002, "PJSIP/8002-01", "a"),
            _waiting(2.0, "b"),
            *_ring(2.002, "PJSIP/8002-02", "b"),  # 8002 has not hung up its first call
        )
    )
    assert len(figures.doubled) == 1 and figures.doubled[0].startswith("8002")


def test_a_caller_no_seat_answered_is_not_counted_as_answered() -> None:
    figures = analyse(_timeline(_waiting(1.0, "a")))
    assert figures.answered == set() and figures.freed == figures.idle == []
