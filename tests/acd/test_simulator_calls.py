"""Inbound calls through the simulated dialplan: waiting, connecting to a seat, hanging up."""

from __future__ import annotations

import asyncio

from panoramisk import Manager

from acd.simulator import PbxSimulator
from tests.acd.simhelpers import Msg, client, events_of, running_sim


def _redirect(channel: str, seat: str, action_id: str = "r") -> dict[str, str]:
    return {
        "Action": "Redirect",
        "Channel": channel,
        "Context": "acd-seat",
        "Exten": seat,
        "Priority": "1",
        "ActionID": action_id,
    }


async def test_caller_waits_with_contract_headers_and_chinese_name() -> None:
    async with running_sim(system_name="pbx1") as sim, client(sim) as ami:
        call_id = sim.place_call("13800000001", name="小明", ivr_choice="2")
        first = await ami.event("Newchannel")
        assert first["Channel"].startswith("PJSIP/trunk-") and len(first["Channel"]) == 20
        assert (first["ChannelStateDesc"], first["Context"], first["Exten"]) == (
            "Ring",
            "from-pstn",
            "12355",
        )
        assert first["Uniqueid"] == first["Linkedid"] == call_id
        assert call_id.startswith("pbx1-") and call_id.split("-")[1].count(".") == 1
        waiting = await ami.event("UserEvent", UserEvent="CallWaiting")
        assert waiting["Privilege"] == "user,all"
        assert waiting["ACDCallerNum"] == "13800000001"
        assert waiting["ACDCallerName"] == "小明"
        assert waiting["DNIS"] == "12355"
        assert waiting["ACDSkill"] == "legal"
        assert waiting["WaitChannel"] == first["Channel"]
        assert waiting["WaitUniqueid"] == call_id
        assert waiting["Requeued"] == "0"
        await ami.event("MusicOnHoldStart")
        names = [m.get("Event") for m in ami.seen if "Event" in m]
        assert names.index("Newstate") < names.index("UserEvent") < names.index("MusicOnHoldStart")
        assert sim.calls[call_id].outcome == "waiting"


async def test_no_ivr_key_means_general_skill() -> None:
    async with PbxSimulator(time_scale=0.01) as sim, client(sim) as ami:
        sim.place_call("13800000002", ivr_choice=None)
        waiting = await ami.event("UserEvent", UserEvent="CallWaiting")
        assert waiting["ACDSkill"] == "general"
        assert sim.calls[waiting["WaitUniqueid"]].skill == "general"


async def test_redirect_to_seat_rings_answers_bridges_and_hangs_up() -> None:
    async with running_sim(seats=["8001"]) as sim, client(sim) as ami:
        call_id = sim.place_call("13800000001", name="小明", talk_time=5)
        waiting = await ami.event("UserEvent", UserEvent="CallWaiting")
        ami.send(*_redirect(waiting["WaitChannel"], "8001").items())
        assert (await ami.reply("r"))["Message"] == "Redirect successful"
        begin = await ami.event("DialBegin")
        assert begin["Channel"] == waiting["WaitChannel"]
        assert begin["DestChannel"].startswith("PJSIP/8001-")
        assert begin["DestLinkedid"] == call_id
        await ami.event("DialState", DialStatus="RINGING")
        await ami.event("DialEnd", DialStatus="ANSWER")
        await ami.event("BridgeEnter", Channel=waiting["WaitChannel"])
        assert sim.bridged_with(call_id) == {begin["DestChannel"]}
        assert sim.calls[call_id].connected_seat == "8001"
        await ami.event("Hangup", Channel=waiting["WaitChannel"])
        await ami.saw("BridgeDestroy")
        await ami.saw("DeviceStateChange", Device="PJSIP/8001", State="NOT_INUSE")
        await ami.saw("Hangup", Channel=begin["DestChannel"])
        seen = [m.get("Event") for m in ami.seen]
        assert seen.count("BridgeEnter") == 2 and seen.count("BridgeLeave") == 2
        hangups = events_of(ami.seen, "Hangup")
        assert {h["Linkedid"] for h in hangups} == {call_id}
        assert all(h["Cause"] == "16" and h["Cause-txt"] == "Normal Clearing" for h in hangups)
        assert sim.calls[call_id].outcome == "answered"
        assert sim.channels() == []


async def test_core_show_channels_lists_live_legs_with_the_actionid() -> None:
    async with running_sim(seats=["8001"]) as sim, client(sim) as ami:
        sim.configure_seat("8001", answer_delay=0.5)
        sim.place_call("13800000001", talk_time=100)
        waiting = await ami.event("UserEvent", UserEvent="CallWaiting")
        ami.send(*_redirect(waiting["WaitChannel"], "8001").items())
        await ami.event("BridgeEnter", Channel=waiting["WaitChannel"])
        answer = await ami.listing("CoreShowChannels", "csc")
        assert answer[0]["Message"] == "Channels will follow"
        items = [m for m in answer if m.get("Event") == "CoreShowChannel"]
        assert len(items) == 2
        assert all("Privilege" not in m and m["ActionID"] == "csc" for m in items)
        assert {m["Application"] for m in items} == {"Dial", ""}
        assert all(len(m["Duration"].split(":")) == 3 for m in items)
        assert items[0]["BridgeId"] == items[1]["BridgeId"] != ""
        done = answer[-1]
        assert (done["Event"], done["EventList"], done["ListItems"]) == (
            "CoreShowChannelsComplete",
            "Complete",
            "2",
        )


async def test_panoramisk_manager_drives_the_simulator() -> None:
    async with running_sim(seats=["8001"]) as sim:
        manager = Manager(
            host="127.0.0.1", port=sim.port, username="acd", secret="acd-secret", ping_delay=60
        )
        waiting: asyncio.Queue[Msg] = asyncio.Queue()
        manager.register_event("UserEvent", lambda _m, msg: waiting.put_nowait(dict(msg)))
        await manager.connect()
        await asyncio.wait_for(manager.authenticated_future, 2)
        call_id = sim.place_call("13800000009", name="小红", talk_time=50)
        event = await asyncio.wait_for(waiting.get(), 2)
        assert event["ACDCallerName"] == "小红"
        reply = await asyncio.wait_for(
            manager.send_action(
                {
                    "Action": "Redirect",
                    "Channel": event["WaitChannel"],
                    "Context": "acd-seat",
                    "Exten": "8001",
                    "Priority": "1",
                }
            ),
            2,
        )
        assert reply.Message == "Redirect successful"
        listing = await asyncio.wait_for(manager.send_action({"Action": "CoreShowChannels"}), 2)
        assert listing[-1].Event == "CoreShowChannelsComplete"
        for _ in range(100):
            if sim.calls[call_id].outcome == "connected":
                break
            await asyncio.sleep(0.01)
        assert sim.calls[call_id].connected_seat == "8001"
        manager.close()
