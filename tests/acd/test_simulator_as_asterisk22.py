"""The simulator does what the real Asterisk 22 did in the PBX suite (tests/pbx).

Each test names what the real PBX showed; the simulator must agree, or the ACD's
simulator tests prove something the real PBX would not.
"""

from __future__ import annotations

import asyncio

from tests.acd.simhelpers import RawAmi, client, running_sim


async def _connect(ami: RawAmi, seat: str) -> str:
    channel = (await ami.event("UserEvent", UserEvent="CallWaiting"))["WaitChannel"]
    ami.send(Action="Redirect", Channel=channel, Context="acd-seat", Exten=seat, Priority="1")
    await ami.event("BridgeEnter", Channel=channel)
    return channel


async def test_a_seat_on_a_call_is_busy_in_its_device_state() -> None:
    """pjsip.conf's device_state_busy_at = 1: one channel makes the phone BUSY."""
    async with running_sim(seats=["8001"]) as sim, client(sim) as ami:
        sim.place_call("13800000001", talk_time=100)
        await _connect(ami, "8001")
        await ami.saw("DeviceStateChange", Device="PJSIP/8001", State="BUSY")
        assert not [
            m for m in ami.seen if m.get("Device") == "PJSIP/8001" and m.get("State") == "INUSE"
        ]


async def test_listen_in_ends_with_the_call_it_listens_to() -> None:
    """ChanSpy(PJSIP/8001-,qES) ends with the spied call; without E it spies the next."""
    async with running_sim(seats=["8001", "8010", "8011"]) as sim, client(sim) as ami:
        first = sim.place_call("13800000001", talk_time=100)
        await _connect(ami, "8001")
        for spyer, data in (("8010", "PJSIP/8001-,qES"), ("8011", "PJSIP/8001-,q")):
            ami.send(Action="Originate", Channel=f"PJSIP/{spyer}", Application="ChanSpy",
                     Data=data, Async="true", ChannelId=f"listen-{spyer}")  # fmt: skip
            await ami.event("ChanSpyStart", SpyerUniqueid=f"listen-{spyer}")
        sim.hangup_call(first)
        await ami.event("ChanSpyStop", SpyerUniqueid="listen-8010")
        await ami.event("Hangup", Uniqueid="listen-8010")
        sim.place_call("13800000002", talk_time=100)
        await _connect(ami, "8001")
        await asyncio.sleep(0.05)

        def spied_by(spyer: str) -> list[str]:
            starts = [m for m in ami.seen if m.get("Event") == "ChanSpyStart"]
            return [m["SpyeeChannel"] for m in starts if m.get("SpyerUniqueid") == spyer]

        assert len(spied_by("listen-8010")) == 1
        assert len(spied_by("listen-8011")) == 2  # the one without E spies the next call


async def test_listen_in_on_a_seat_with_no_call_ends_at_once() -> None:
    async with running_sim(seats=["8001", "8010"]) as sim, client(sim) as ami:
        ami.send(Action="Originate", Channel="PJSIP/8010", Application="ChanSpy",
                 Data="PJSIP/8001-,qES", Async="true", ChannelId="listen-1")  # fmt: skip
        await ami.event("Hangup", Uniqueid="listen-1")
        assert not [m for m in ami.seen if m.get("Event") == "ChanSpyStart"]


async def test_an_agent_hanging_up_a_callback_first_still_reports_the_result() -> None:
    """Dial(...,g) and exten h: CallbackResult ANSWER comes before the seat leg's Hangup."""
    async with running_sim(seats=["8099"]) as sim, client(sim) as ami:
        sim.configure_callee("13800000001", answer_delay=0.5, talk_time=1000)
        ami.send(Action="Originate", Channel="PJSIP/8099", Context="acd-callback",
                 Exten="13800000001", Priority="1", ChannelId="cb-1-1-aa",
                 Variable="ACD_CALLBACK_ID=cb-1-1-aa", Async="true")  # fmt: skip
        await ami.event("BridgeEnter", Uniqueid="cb-1-1-aa")
        sim.hangup_call("cb-1-1-aa")  # the agent hangs up while talking
        result = await ami.event("UserEvent", UserEvent="CallbackResult")
        assert (result["ACDCallbackId"], result["DialStatus"]) == ("cb-1-1-aa", "ANSWER")
        await ami.event("Hangup", Uniqueid="cb-1-1-aa")


async def test_a_failed_originate_names_the_dial_string_and_reports_before_the_hangup() -> None:
    """A 486 from the far end: Failure, Reason 0, Channel = the dial string; Hangup 17 after."""
    async with running_sim() as sim, client(sim) as ami:
        sim.configure_callee("13900000001", behaviour="busy")
        ami.send(Action="Originate", Channel="PJSIP/13900000001@trunk", Context="acd-seat",
                 Exten="8099", Priority="1", ChannelId="cb-2-1-bb", Async="true")  # fmt: skip
        response = await ami.event("OriginateResponse")
        assert (response["Response"], response["Reason"]) == ("Failure", "0")
        assert (response["Channel"], response["Uniqueid"]) == (
            "PJSIP/13900000001@trunk",
            "cb-2-1-bb",
        )
        hangup = await ami.event("Hangup", Uniqueid="cb-2-1-bb")
        assert hangup["Cause"] == "17"


async def test_a_redirect_right_behind_another_is_refused() -> None:
    async with running_sim(seats=["8001", "8002"], time_scale=1.0) as sim, client(sim) as ami:
        sim.place_call("13800000001", ivr_choice="0", talk_time=100)
        channel = (await ami.event("UserEvent", UserEvent="CallWaiting", within=5))["WaitChannel"]
        for n, seat in enumerate(("8001", "8002")):
            ami.send(Action="Redirect", Channel=channel, Context="acd-seat", Exten=seat,
                     Priority="1", ActionID=f"r{n}")  # fmt: skip
        assert (await ami.reply("r0"))["Response"] == "Success"
        second = await ami.reply("r1")
        assert (second["Response"], second["Message"]) == (
            "Error",
            "Redirect failed, channel not up.",
        )


async def test_after_a_restart_logins_come_before_fully_booted_and_phones_before_qualify() -> None:
    async with running_sim(seats=["8001"], time_scale=1.0) as sim:  # a real boot's pace
        await sim.restart(keep_calls=False)
        async with client(sim) as ami:
            assert not [m for m in ami.seen if m.get("Event") == "FullyBooted"]
            [refused] = await ami.listing("PJSIPShowContacts", "p")
            assert refused["Message"].startswith("Invalid/unknown command: PJSIPShowContacts")
            await ami.event("FullyBooted")
            contacts = await ami.listing("PJSIPShowContacts", "p2")
            assert [m["Status"] for m in contacts if m.get("Event") == "ContactList"] == [
                "NonQualified",
                "NonQualified",
            ]
            states = await ami.listing("DeviceStateList", "d")
            assert {"PJSIP/8001": "UNAVAILABLE"}.items() <= {
                m["Device"]: m["State"] for m in states if m.get("Event") == "DeviceStateChange"
            }.items()
            back = await ami.event("ContactStatus", EndpointName="8001")
            assert back["ContactStatus"] == "Reachable"
            await asyncio.sleep(0)
