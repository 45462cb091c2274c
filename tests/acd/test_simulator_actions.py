"""Other AMI actions on the simulated PBX: overflow, Hangup, variables, Bridge, UserEvent, lists."""

from __future__ import annotations

import pytest

from tests.acd.simhelpers import RawAmi, client, events_of, running_sim


async def _waiting(ami: RawAmi) -> str:
    return (await ami.event("UserEvent", UserEvent="CallWaiting"))["WaitChannel"]


@pytest.mark.parametrize("reason", ["overflow", "closed"])
async def test_overflow_and_closed_offer_a_callback_then_hang_up(reason: str) -> None:
    async with running_sim() as sim, client(sim) as ami:
        call_id = sim.place_call("13800000001", patience=1000)
        channel = await _waiting(ami)
        ami.send(
            Action="Redirect",
            Channel=channel,
            Context=f"acd-{reason}",
            Exten="s",
            Priority="1",
            ActionID="r",
        )
        assert (await ami.reply("r"))["Message"] == "Redirect successful"
        offered = await ami.event("UserEvent", UserEvent="CallbackOffered")
        assert (offered["WaitChannel"], offered["Reason"]) == (channel, reason)
        assert offered["Context"] == f"acd-{reason}"
        await ami.event("Hangup", Channel=channel)
        assert sim.calls[call_id].outcome == reason


async def test_redirect_of_an_unknown_channel_or_to_nowhere_fails() -> None:
    async with running_sim() as sim, client(sim) as ami:
        ami.send(Action="Redirect", Channel="PJSIP/trunk-0000beef", Context="acd-seat",
                 Exten="8001", Priority="1", ActionID="x")  # fmt: skip
        assert (await ami.reply("x"))["Message"] == "No such channel"
        sim.place_call("13800000001")
        channel = await _waiting(ami)
        ami.send(Action="Redirect", Channel=channel, Context="nowhere", Exten="s", Priority="1",
                 ActionID="y")  # fmt: skip
        assert (await ami.reply("y"))["Message"] == "Redirect failed"


async def test_hangup_action_hangs_up_the_named_channel() -> None:
    async with running_sim() as sim, client(sim) as ami:
        call_id = sim.place_call("13800000001")
        channel = await _waiting(ami)
        ami.send(Action="Hangup", Channel=channel, Cause="16", ActionID="h")
        assert (await ami.reply("h"))["Message"] == "Channel Hungup"
        await ami.event("SoftHangupRequest", Channel=channel)
        hangup = await ami.event("Hangup", Channel=channel)
        assert hangup["Cause"] == "16"
        assert sim.calls[call_id].outcome == "hung_up"
        ami.send(Action="Hangup", Channel=channel, ActionID="h2")
        assert (await ami.reply("h2"))["Message"] == "No such channel"


async def test_setvar_and_getvar_on_a_channel_and_globally() -> None:
    async with running_sim() as sim, client(sim) as ami:
        sim.place_call("13800000001")
        channel = await _waiting(ami)
        ami.send(Action="Setvar", Channel=channel, Variable="ACD_NOTE", Value="小明", ActionID="s")
        assert (await ami.reply("s"))["Message"] == "Variable Set"
        varset = await ami.event("VarSet", Variable="ACD_NOTE")
        assert varset["Privilege"] == "dialplan,all" and varset["Value"] == "小明"
        ami.send(Action="Getvar", Channel=channel, Variable="ACD_NOTE", ActionID="g")
        got = await ami.reply("g")
        assert (got["Response"], got["Variable"], got["Value"]) == ("Success", "ACD_NOTE", "小明")
        ami.send(Action="Getvar", Channel=channel, Variable="ACD_SKILL", ActionID="g2")
        assert (await ami.reply("g2"))["Value"] == "psychological"
        ami.send(Action="Setvar", Variable="G", Value="1", ActionID="s2")
        ami.send(Action="Getvar", Variable="G", ActionID="g3")
        assert (await ami.reply("g3"))["Value"] == "1"


async def test_ring_timeout_follows_the_channel_variable() -> None:
    async with running_sim(seats=["8001"], time_scale=0.005) as sim, client(sim) as ami:
        sim.configure_seat("8001", behaviour="no_answer")
        sim.place_call("13800000001")
        channel = await _waiting(ami)
        ami.send(Action="Setvar", Channel=channel, Variable="ACD_RING_TIMEOUT", Value="2")
        ami.send(Action="Redirect", Channel=channel, Context="acd-seat", Exten="8001", Priority="1")
        failed = await ami.event("UserEvent", UserEvent="SeatFailed", within=0.5)
        assert failed["DialStatus"] == "NOANSWER"


async def test_bridge_action_joins_two_channels() -> None:
    async with running_sim() as sim, client(sim) as ami:
        one = sim.place_call("13800000001")
        two = sim.place_call("13800000002")
        first, second = await _waiting(ami), await _waiting(ami)
        ami.send(Action="Bridge", Channel1=first, Channel2=second, ActionID="b")
        assert (await ami.reply("b"))["Message"] == "Channels have been bridged"
        await ami.event("BridgeEnter", Channel=second)
        assert sim.bridged_with(one) == {second}
        sim.hangup_call(two)
        await ami.event("Hangup", Channel=first)
        ami.send(Action="Bridge", Channel1="nope", Channel2=second, ActionID="b2")
        assert (await ami.reply("b2"))["Message"] == "Channel1 does not exist: nope"


async def test_userevent_action_reaches_every_session() -> None:
    async with running_sim() as sim, client(sim) as one, client(sim) as two:
        one.send(Action="UserEvent", UserEvent="AcdHeartbeat", Node="a", ActionID="u")
        assert (await one.reply("u"))["Message"] == "Event Sent"
        for ami in (one, two):
            event = await ami.event("UserEvent", UserEvent="AcdHeartbeat")
            assert event["Node"] == "a" and event["Privilege"] == "user,all"


async def test_event_class_filter_from_login_and_events_action() -> None:
    async with running_sim() as sim, client(sim, events="user") as ami:
        assert not events_of(ami.seen, "FullyBooted")
        sim.place_call("13800000001")
        await _waiting(ami)
        assert {m["Event"] for m in ami.seen if "Event" in m} == {"UserEvent"}
        ami.send(Action="Events", EventMask="off", ActionID="e")
        assert (await ami.reply("e"))["Events"] == "Off"
        ami.send(Action="UserEvent", UserEvent="Quiet", ActionID="q")
        await ami.reply("q")
        ami.send(Action="Events", EventMask="call", ActionID="e2")
        assert (await ami.reply("e2"))["Events"] == "On"
        ami.send(Action="Hangup", Channel="/PJSIP\\/trunk-.*/", ActionID="h")
        await ami.reply("h")
        await ami.event("Hangup")
        assert not [m for m in ami.seen if m.get("UserEvent") == "Quiet"]


async def test_device_state_list_and_pjsip_contacts() -> None:
    async with running_sim(seats=["8001", "8002"]) as sim, client(sim) as ami:
        sim.configure_seat("8002", registered=False)
        states = await ami.listing("DeviceStateList", "d")
        items = {m["Device"]: m["State"] for m in states if m.get("Event") == "DeviceStateChange"}
        assert items["PJSIP/8001"] == "NOT_INUSE" and items["PJSIP/8002"] == "UNAVAILABLE"
        assert states[-1]["Event"] == "DeviceStateListComplete"
        contacts = await ami.listing("PJSIPShowContacts", "p")
        assert contacts[0]["Message"].startswith("A listing of Contacts follows")
        rows = {m["Aor"]: m for m in contacts if m.get("Event") == "ContactList"}
        assert set(rows) == {"8001", "8099"}  # an unregistered phone has no contact
        assert rows["8001"]["Status"] == "Reachable"
        assert rows["8001"]["EndpointName"] == "8001" and rows["8001"]["Uri"].startswith(
            "sip:8001@"
        )
        for seat in ("8001", "8099"):
            sim.configure_seat(seat, registered=False)
        [nobody] = await ami.listing("PJSIPShowContacts", "p2")
        assert (nobody["Response"], nobody["Message"]) == ("Error", "No Contacts found")
        assert contacts[-1]["ListItems"] == "2"


async def test_queue_status_is_empty_and_status_lists_channels() -> None:
    async with running_sim() as sim, client(sim) as ami:
        queues = await ami.listing("QueueStatus", "q")
        assert [m.get("Event") for m in queues[1:]] == ["QueueStatusComplete"]
        assert queues[-1]["ListItems"] == "0"
        call_id = sim.place_call("13800000001")
        await _waiting(ami)
        status = await ami.listing("Status", "s")
        rows = [m for m in status if m.get("Event") == "Status"]
        assert [r["Uniqueid"] for r in rows] == [call_id]
        assert rows[0]["Application"] == "MusicOnHold"
        assert status[-1]["Items"] == "1"


async def test_chanspy_originate_listens_to_a_seat() -> None:
    async with running_sim(seats=["8001", "8010"]) as sim, client(sim) as ami:
        sim.place_call("13800000001", talk_time=100)
        channel = await _waiting(ami)
        ami.send(Action="Redirect", Channel=channel, Context="acd-seat", Exten="8001", Priority="1")
        await ami.event("BridgeEnter", Channel=channel)
        ami.send(Action="Originate", Channel="PJSIP/8010", Application="ChanSpy",
                 Data="PJSIP/8001,q", Async="true", ChannelId="spy-1", ActionID="spy")  # fmt: skip
        assert (await ami.event("OriginateResponse", ActionID="spy"))["Response"] == "Success"
        spy = await ami.event("ChanSpyStart")
        assert spy["SpyerUniqueid"] == "spy-1" and spy["SpyeeChannel"].startswith("PJSIP/8001-")
