"""AMI framing and parsing, pure: any split of the byte stream gives the same messages."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from acd.ami.wire import Framer, encode_message, parse_frame

NOW = datetime(2026, 11, 28, tzinfo=UTC)

header_names = st.sampled_from(["CallerIDName", "Channel", "Variable", "Exten", "Message"])
values = st.text(
    alphabet=st.sampled_from("张小明欧阳娜abc 123:-/;@é\u00a0"), min_size=0, max_size=12
).map(str.strip)
messages = st.lists(
    st.lists(st.tuples(header_names, values), min_size=1, max_size=5).map(
        lambda pairs: [("Event", "UserEvent"), *pairs]
    ),
    min_size=1,
    max_size=6,
)


def parse_all(data: bytes, cuts: list[int]) -> list[dict[str, str | list[str]]]:
    framer = Framer()
    out = []
    start = 0
    for cut in [*sorted(set(cuts)), len(data)]:
        for text in framer.feed(data[start:cut]):
            message = parse_frame(text, NOW)
            if message is not None:
                out.append(dict(message))
        start = cut
    return out


@given(messages, st.data())
def test_any_split_gives_the_same_messages(
    batch: list[list[tuple[str, str]]], data: st.DataObject
) -> None:
    wire = b"".join(encode_message(pairs) for pairs in batch)
    cuts = data.draw(st.lists(st.integers(0, len(wire)), max_size=40))
    whole = parse_all(wire, [])
    assert parse_all(wire, cuts) == whole
    assert len(whole) == len(batch)
    for parsed, pairs in zip(whole, batch, strict=True):
        expected: dict[str, str | list[str]] = {}
        for key, value in pairs:
            old = expected.get(key)
            if old is None:
                expected[key] = value
            elif isinstance(old, list):
                old.append(value)
            else:
                expected[key] = [old, value]
        assert parsed == expected


def test_banner_glued_to_the_first_reply_and_lf_framing() -> None:
    framer = Framer()
    frames = framer.feed(
        b"Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nActionID: 1\r\n\r\n"
        b"Event: FullyBooted\nPrivilege: system,all\n\n"
    )
    parsed = [parse_frame(f, NOW) for f in frames]
    assert [dict(p) for p in parsed if p is not None] == [
        {"Response": "Success", "ActionID": "1"},
        {"Event": "FullyBooted", "Privilege": "system,all"},
    ]


def test_invalid_bytes_do_not_swallow_the_next_message() -> None:
    framer = Framer()
    frames = framer.feed(b"\xff\xfe\x00junk\r\nEvent: Hangup\r\nCause: 16\r\n\r\n")
    parsed = [parse_frame(f, NOW) for f in frames]
    assert [dict(p) for p in parsed if p is not None] == [{"Event": "Hangup", "Cause": "16"}]


def test_empty_value_and_value_with_colon_space() -> None:
    message = parse_frame("Event: VarSet\nAccountCode:\nValue: a: b", NOW)
    assert message is not None
    assert dict(message) == {"Event": "VarSet", "AccountCode": "", "Value": "a: b"}
