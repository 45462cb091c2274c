"""AmiLink against a raw loopback AMI server: login, events, actions, originate."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from acd.ami import (
    AmiActionError,
    AmiConfig,
    AmiEvent,
    AmiLink,
    AmiNotConnected,
    AmiTimeout,
    ResyncSnapshot,
)
from tests.acd.ami_fake import FakeAmi, frame, reply


def config(server: FakeAmi, **overrides: float) -> AmiConfig:
    base: dict[str, float] = {
        "action_timeout": 1.0,
        "ping_interval": 5.0,
        "ping_timeout": 1.0,
        "backoff_initial": 0.05,
        "backoff_max": 0.4,
    }
    base.update(overrides)
    return AmiConfig(
        host=server.host,
        port=server.port,
        username=server.username,
        secret=server.secret,
        **base,  # type: ignore[arg-type]
    )


@pytest.fixture
async def server() -> AsyncIterator[FakeAmi]:
    fake = await FakeAmi().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def link(server: FakeAmi) -> AsyncIterator[AmiLink]:
    ami = AmiLink(config(server))
    await ami.start()
    await ami.wait_logged_in(5)
    await next_event(ami, "ResyncSnapshot")  # the login's resync is done: the line is quiet
    yield ami
    await ami.close()


async def next_event(link: AmiLink, name: str, within: float = 3.0) -> AmiEvent:
    async def wait() -> AmiEvent:
        while True:
            event = await link.events.get()
            if event.name == name:
                return event

    return await asyncio.wait_for(wait(), within)


async def test_login_then_snapshot_then_events_in_order(server: FakeAmi) -> None:
    server.channels = [{"Channel": "PJSIP/trunk-0001", "Linkedid": "a.0"}]
    link = AmiLink(config(server))
    await link.start()
    await link.wait_logged_in(5)
    snapshot = await next_event(link, "ResyncSnapshot")
    assert isinstance(snapshot, ResyncSnapshot)
    assert [c["Linkedid"] for c in snapshot.channels] == ["a.0"]
    await server.push(
        frame({"Event": "Newchannel", "Channel": "PJSIP/trunk-1", "Uniqueid": "a.1"})
        + frame({"Event": "Hangup", "Channel": "PJSIP/trunk-1", "Variable": ["A=1", "B=2"]})
    )
    first = await next_event(link, "Newchannel")
    second = await next_event(link, "Hangup")
    assert first["Uniqueid"] == "a.1"
    assert second["Variable"] == ["A=1", "B=2"]
    assert first.received_at.tzinfo is not None
    assert link.status.logged_in and link.status.connected
    await link.close()


async def test_action_error_carries_asterisk_message(server: FakeAmi, link: AmiLink) -> None:
    server.on_action = lambda action: [reply(str(action["ActionID"]), "No such channel", "Error")]
    with pytest.raises(AmiActionError, match="No such channel"):
        await link.send({"Action": "Hangup", "Channel": "PJSIP/8001-0"})


async def test_unanswered_action_times_out_and_is_forgotten(server: FakeAmi, link: AmiLink) -> None:
    server.on_action = lambda action: []
    with pytest.raises(AmiTimeout):
        await link.send({"Action": "Redirect", "Channel": "x"})
    assert link.status.logged_in  # a silent action does not cost the link


async def test_originate_returns_on_queued_and_response_arrives_as_event(
    server: FakeAmi, link: AmiLink
) -> None:
    def answer(action: dict[str, str | list[str]]) -> list[bytes]:
        aid = str(action["ActionID"])
        return [
            reply(aid, "Originate successfully queued"),
            frame(
                {
                    "Event": "OriginateResponse",
                    "ActionID": aid,
                    "Response": "Success",
                    "Channel": "PJSIP/8099-0001",
                    "Reason": "4",
                    "Uniqueid": str(action["ChannelId"]),
                }
            ),
        ]

    server.on_action = answer
    result = await link.originate(
        channel="PJSIP/8099",
        context="acd-callback",
        exten="13800000001",
        caller_id="12355",
        variables={"ACD_CALLBACK_ID": "cb-7"},
        channel_id="cb-7",
    )
    assert result.message == "Originate successfully queued"
    sent = server.actions[-1]
    assert sent["Async"] == "true" and sent["ChannelId"] == "cb-7"
    assert sent["Variable"] == "ACD_CALLBACK_ID=cb-7"
    event = await next_event(link, "OriginateResponse")
    assert event["Reason"] == "4" and event["Uniqueid"] == "cb-7"


async def test_send_nowait_writes_before_returning(server: FakeAmi, link: AmiLink) -> None:
    before = len(server.actions)
    task = link.send_nowait({"Action": "UserEvent", "UserEvent": "Probe"})
    reply_ = await asyncio.wait_for(task, 2)
    assert reply_.ok
    assert len(server.actions) == before + 1


async def test_actions_sent_together_arrive_in_order_each_with_its_reply(
    server: FakeAmi, link: AmiLink
) -> None:
    before = len(server.actions)
    first, second = link.send_together_nowait(
        [
            {"Action": "Setvar", "Channel": "PJSIP/trunk-1", "Variable": "V", "Value": "3"},
            {"Action": "UserEvent", "UserEvent": "Probe"},
        ]
    )
    assert [s["Action"] for s in server.actions[before:]] in ([], ["Setvar", "UserEvent"])
    replies = await asyncio.wait_for(asyncio.gather(first, second), 2)
    assert all(reply_.ok for reply_ in replies)
    assert [s["Action"] for s in server.actions[before:]] == ["Setvar", "UserEvent"]
    assert server.actions[before]["Value"] == "3"


async def test_send_when_not_logged_in_fails_fast(server: FakeAmi) -> None:
    ami = AmiLink(config(server))
    with pytest.raises(AmiNotConnected):
        await ami.send({"Action": "Ping"})
    task = ami.send_nowait({"Action": "Ping"})
    with pytest.raises(AmiNotConnected):
        await task


PANORAMISK = Path(__file__).resolve().parents[3] / "shared" / "data" / "ami" / "panoramisk"


def fixture_replies(name: str, action_id: str) -> bytes:
    """The server side of a panoramisk fixture (LF framing kept), with our ActionID."""
    text = (PANORAMISK / name).read_text()
    frames = [f for f in text.split("\n\n") if f.strip()]
    replies = [f.strip("\n") for f in frames if f.lstrip().startswith(("Response:", "Event:"))]
    body = "\n\n".join(replies) + "\n\n"
    return body.replace("action/transaction_uid/1/1", action_id).encode()


@pytest.mark.parametrize(
    ("fixture", "action", "items", "last"),
    [
        ("queue_status.yaml", "QueueStatus", 8, "QueueStatusComplete"),
        ("pjsip_show_endpoint.yaml", "PJSIPShowEndpoint", 6, "EndpointDetailComplete"),
        ("ping.yaml", "Ping", 0, ""),
        # panoramisk 1.4 never resolves this one (issue #54)
        ("queue_add.yaml", "QueueAdd", 0, ""),
    ],
)
async def test_recorded_reply_framing(
    server: FakeAmi, link: AmiLink, fixture: str, action: str, items: int, last: str
) -> None:
    server.on_action = lambda sent: [fixture_replies(fixture, str(sent["ActionID"]))]
    result = await link.send({"Action": action})
    assert result.ok
    assert len(result.items) == items
    if last:
        assert result.items[-1].name == last
    assert link.events.empty()  # list items belong to the reply, not to the event queue


async def test_events_newer_than_the_snapshot_are_queued_after_it(server: FakeAmi) -> None:
    newer = {
        "Event": "Newchannel",
        "Channel": "PJSIP/trunk-00000001",
        "Uniqueid": "pbx-1.1",
        "Linkedid": "pbx-1.1",
        "Context": "from-pstn",
        "Exten": "12355",
        "CallerIDNum": "13800000001",
    }
    server.interleave = frame(newer)  # arrives while the (older) listing is under way
    link = AmiLink(config(server))
    await link.start()
    await link.wait_logged_in(5)
    names = [(await next_event(link, n)).name for n in ("ResyncSnapshot", "Newchannel")]
    assert names == ["ResyncSnapshot", "Newchannel"]
    await link.close()


async def test_an_action_in_flight_fails_on_a_drop_and_is_never_resent(
    server: FakeAmi, link: AmiLink
) -> None:
    server.on_action = lambda action: []  # Asterisk never answers before the drop
    pending = asyncio.create_task(link.send({"Action": "Redirect", "Channel": "PJSIP/trunk-1"}))
    await asyncio.sleep(0.1)
    await server.drop()
    with pytest.raises(AmiNotConnected):
        await pending
    await server.wait_client()
    await next_event(link, "ResyncSnapshot")
    assert [a["Action"] for a in server.actions].count("Redirect") == 1


def test_config_repr_never_shows_the_secret() -> None:
    shown = repr(AmiConfig(host="pbx", port=5038, username="acd", secret="hunter2"))
    assert "hunter2" not in shown and "acd" in shown and "pbx" in shown
