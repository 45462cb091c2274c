"""Originate: agent-first callbacks, ChannelId, OriginateResponse reasons, conferences."""

from __future__ import annotations

import pytest

from tests.acd.simhelpers import RawAmi, client, events_of, running_sim


def _callback(ami: RawAmi, number: str, attempt: str, action_id: str = "o") -> None:
    ami.send(
        ("Action", "Originate"),
        ("Channel", "PJSIP/8099"),
        ("Context", "acd-callback"),
        ("Exten", number),
        ("Priority", "1"),
        ("CallerID", "12355"),
        ("ChannelId", attempt),
        ("Variable", f"ACD_CALLBACK_ID={attempt}"),
        ("Async", "true"),
        ("Timeout", "30000"),
        ("ActionID", action_id),
    )


async def test_callback_rings_the_seat_then_the_callee_and_reports_the_result() -> None:
    async with running_sim() as sim, client(sim) as ami:
        sim.configure_callee("13800000001", answer_delay=1.0, talk_time=2.0)
        _callback(ami, "13800000001", "cb-1")
        queued = await ami.reply("o")
        assert queued["Message"] == "Originate successfully queued"
        seat_new = await ami.event("Newchannel")
        assert seat_new["Channel"].startswith("PJSIP/8099-")
        assert seat_new["Uniqueid"] == seat_new["Linkedid"] == "cb-1"
        begin = await ami.event("DialBegin")
        assert "Channel" not in begin and begin["DestUniqueid"] == "cb-1"
        response = await ami.event("OriginateResponse")
        assert response["ActionID"] == "o"
        assert (response["Response"], response["Reason"], response["Uniqueid"]) == (
            "Success",
            "4",
            "cb-1",
        )
        assert (response["Context"], response["Exten"]) == ("acd-callback", "13800000001")
        out = await ami.event("DialBegin", Channel=seat_new["Channel"])
        assert out["DestChannel"].startswith("PJSIP/trunk-") and out["DestLinkedid"] == "cb-1"
        assert out["DialString"] == "13800000001@trunk"
        assert out["DestConnectedLineNum"] == "12355"
        await ami.event("BridgeEnter", Channel=seat_new["Channel"])
        assert sim.bridged_with("cb-1") == {out["DestChannel"]}
        result = await ami.event("UserEvent", UserEvent="CallbackResult")
        assert (result["ACDCallbackId"], result["DialStatus"]) == ("cb-1", "ANSWER")
        await ami.saw("Hangup", Uniqueid="cb-1")
        assert sim.calls["cb-1"].direction == "callback"
        assert sim.calls["cb-1"].outcome == "answered"


@pytest.mark.parametrize(("behaviour", "status"), [("busy", "BUSY"), ("no_answer", "NOANSWER")])
async def test_callback_to_a_callee_who_does_not_take_it(behaviour: str, status: str) -> None:
    async with running_sim() as sim, client(sim) as ami:
        sim.configure_callee("13800000001", behaviour=behaviour)  # type: ignore[arg-type]
        _callback(ami, "13800000001", "cb-2")
        result = await ami.event("UserEvent", UserEvent="CallbackResult")
        assert (result["ACDCallbackId"], result["DialStatus"]) == ("cb-2", status)
        await ami.saw("Hangup", Uniqueid="cb-2")


@pytest.mark.parametrize(
    ("behaviour", "registered", "reason"),
    # Asterisk 22 gives Reason 0 for a 486 Busy, like any failure (not 5)
    [("busy", True, "0"), ("no_answer", True, "3"), ("answer", False, "0")],
)
async def test_callback_seat_that_does_not_answer_fails_the_originate(
    behaviour: str, registered: bool, reason: str
) -> None:
    async with running_sim() as sim, client(sim) as ami:
        sim.configure_seat("8099", behaviour=behaviour, registered=registered)  # type: ignore[arg-type]
        _callback(ami, "13800000001", "cb-3")
        await ami.reply("o")
        response = await ami.event("OriginateResponse")
        assert (response["ActionID"], response["Response"], response["Reason"]) == (
            "o",
            "Failure",
            reason,
        )
        assert not events_of(ami.seen, "UserEvent")


async def test_a_channelid_in_use_refuses_a_second_originate() -> None:
    async with running_sim() as sim, client(sim) as ami:
        sim.configure_seat("8099", behaviour="no_answer")
        _callback(ami, "13800000001", "cb-4", action_id="first")
        await ami.reply("first")
        await ami.event("Newchannel", Uniqueid="cb-4")
        _callback(ami, "13800000001", "cb-4", action_id="again")
        again = await ami.reply("again")
        assert (again["Response"], again["Message"]) == ("Error", "Originate failed")
        assert len([m for m in events_of(ami.seen, "Newchannel")]) == 1


async def test_originate_checks_its_headers() -> None:
    async with running_sim() as sim, client(sim) as ami:
        ami.send(Action="Originate", Exten="1", Async="true", ActionID="a")
        assert (await ami.reply("a"))["Message"] == "Channel not specified"
        ami.send(Action="Originate", Channel="PJSIP/8099", Exten="1", Async="true", ActionID="b")
        assert (await ami.reply("b"))["Message"] == (
            "Originate with 'Exten' requires 'Context' and 'Priority'"
        )


async def test_sync_originate_answers_after_the_leg_and_sends_no_originateresponse() -> None:
    async with running_sim() as sim, client(sim) as ami:
        ami.send(
            Action="Originate",
            Channel="PJSIP/110@trunk",
            Application="Wait",
            Data="1",
            Async="false",
            ActionID="s",
        )
        reply = await ami.reply("s")
        assert reply["Message"] == "Originate successfully queued"
        assert events_of(ami.seen, "DialEnd")[0]["DialStatus"] == "ANSWER"
        await ami.event("Hangup")
        assert not events_of(ami.seen, "OriginateResponse")


async def test_police_line_joins_caller_and_agent_in_a_conference() -> None:
    async with running_sim(seats=["8001"]) as sim, client(sim) as ami:
        sim.configure_callee("110", answer_delay=0.5, talk_time=60)
        call_id = sim.place_call("13800000001", talk_time=60)
        waiting = await ami.event("UserEvent", UserEvent="CallWaiting")
        caller = waiting["WaitChannel"]
        ami.send(Action="Redirect", Channel=caller, Context="acd-seat", Exten="8001", Priority="1")
        seat_leg = (await ami.event("DialEnd", DialStatus="ANSWER"))["DestChannel"]
        await ami.event("BridgeEnter", Channel=caller)
        ami.send(
            Action="Redirect",
            Channel=caller,
            ExtraChannel=seat_leg,
            Context="acd-conference",
            Exten="room-1",
            Priority="1",
            ActionID="dual",
        )
        assert (await ami.reply("dual"))["Message"] == "Dual Redirect successful"
        ami.send(
            Action="Originate",
            Channel="PJSIP/110@trunk",
            Application="ConfBridge",
            Data="room-1",
            CallerID="12355",
            Async="true",
            ActionID="police",
        )
        response = await ami.event("OriginateResponse", ActionID="police")
        assert response["Response"] == "Success"
        police = response["Channel"]
        await ami.event("BridgeEnter", Channel=police)
        assert sim.bridged_with(call_id) == {seat_leg, police}
        assert sim.bridged_with(seat_leg) == {caller, police}
        await ami.saw("ConfbridgeJoin", Channel=police)
        joins = events_of(ami.seen, "ConfbridgeJoin")
        assert {j["Channel"] for j in joins} == {caller, seat_leg, police}
        assert all(j["Conference"] == "room-1" for j in joins)
        assert not [h for h in events_of(ami.seen, "Hangup") if h["Channel"] == seat_leg]
        sim.hangup_call(call_id)
        await ami.event("ConfbridgeLeave", Channel=caller)
        assert sim.bridged_with(seat_leg) == {police}


async def test_local_channel_originate_into_a_conference_by_context() -> None:
    async with running_sim() as sim, client(sim) as ami:
        sim.configure_callee("110", answer_delay=0.5, talk_time=3)
        ami.send(
            Action="Originate",
            Channel="Local/110@police-out",
            Context="acd-conference",
            Exten="7",
            Priority="1",
            Async="true",
            ChannelId="police-7",
            ActionID="o",
        )
        response = await ami.event("OriginateResponse", ActionID="o")
        assert response["Channel"].startswith("Local/110@police-out-")
        assert response["Channel"].endswith(";1")
        assert (response["Context"], response["Exten"]) == ("acd-conference", "7")
        join = await ami.event("ConfbridgeJoin", Conference="7")
        assert join["Uniqueid"] == "police-7"
        hangup = await ami.event("Hangup", Uniqueid="police-7")  # after its talk time
        assert hangup["Cause"] == "16"
        await ami.saw("ConfbridgeEnd", Conference="7")


async def test_the_last_one_left_in_a_conference_hangs_up() -> None:
    async with running_sim() as sim, client(sim) as ami:
        one = sim.place_call("13800000001")
        two = sim.place_call("13800000002")
        for _ in range(2):
            channel = (await ami.event("UserEvent", UserEvent="CallWaiting"))["WaitChannel"]
            ami.send(Action="Redirect", Channel=channel, Context="acd-conference", Exten="9",
                     Priority="1")  # fmt: skip
        await ami.event("ConfbridgeJoin", Conference="9")
        await ami.event("ConfbridgeJoin", Conference="9")
        sim.hangup_call(one)
        await ami.event("Hangup", Uniqueid=two)
        assert sim.calls[two].ended is not None
