"""AMI framing: what the simulator writes parses back to the same headers, in order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from acd.simulator.wire import ActionParser, encode, list_complete, list_item, response

names = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,15}", fullmatch=True)
values = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=30).map(
    lambda v: v.strip()
)


@given(st.lists(st.tuples(names, values), min_size=1, max_size=8))
def test_encoded_messages_parse_back_identically(headers: list[tuple[str, str]]) -> None:
    wire = encode(headers)
    assert wire.endswith(b"\r\n\r\n") and wire.count(b"\r\n\r\n") == 1
    parsed = list(ActionParser().feed(wire))
    assert len(parsed) == 1
    assert parsed[0].headers == headers


def test_values_may_hold_colons_and_be_empty() -> None:
    [msg] = ActionParser().feed(b"Action: Setvar\r\nValue: a: b: c\r\nAccountCode: \r\n\r\n")
    assert msg.get("value") == "a: b: c"
    assert msg.get("AccountCode") == "" and msg.has("accountcode")


def test_repeated_headers_are_kept_and_joined_for_the_action_log() -> None:
    [msg] = ActionParser().feed(b"Action: Originate\nVariable: A=1\nVariable: B=2\n\n")
    assert msg.get_all("variable") == ["A=1", "B=2"]
    assert msg.as_dict()["Variable"] == "A=1,B=2"


@given(st.one_of(st.none(), values))
def test_actionid_is_second_only_when_sent(action_id: str | None) -> None:
    reply = response("Success", action_id, "Pong")
    assert reply[0] == ("Response", "Success")
    if action_id is None:
        assert [k for k, _ in reply] == ["Response", "Message"]
    else:
        assert reply[1] == ("ActionID", action_id)
    item = list_item("CoreShowChannel", action_id, [("Channel", "x")])
    assert "Privilege" not in dict(item)
    done = list_complete("CoreShowChannelsComplete", action_id, 3)
    assert done[-2:] == [("EventList", "Complete"), ("ListItems", "3")]
