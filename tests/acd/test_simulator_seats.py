"""Seats that do not take the caller: no answer, busy, unregistered; and the patience of callers."""

from __future__ import annotations

import asyncio

import pytest

from tests.acd.simhelpers import RawAmi, client, events_of, running_sim


async def _wait_and_redirect(ami: RawAmi, seat: str) -> dict[str, str]:
    waiting = await ami.event("UserEvent", UserEvent="CallWaiting")
    ami.send(
        Action="Redirect",
        Channel=waiting["WaitChannel"],
        Context="acd-seat",
        Exten=seat,
        Priority="1",
        ActionID="r",
    )
    assert (await ami.reply("r"))["Message"] == "Redirect successful"
    return waiting


@pytest.mark.parametrize(
    ("behaviour", "status", "cause"), [("no_answer", "NOANSWER", "19"), ("busy", "BUSY", "17")]
)
async def test_failed_seat_sends_seatfailed_then_requeued_callwaiting(
    behaviour: str, status: str, cause: str
) -> None:
    async with running_sim(seats=["8001"]) as sim, client(sim) as ami:
        sim.configure_seat("8001", behaviour=behaviour)  # type: ignore[arg-type]
        call_id = sim.place_call("13800000001", name="小明")
        waiting = await _wait_and_redirect(ami, "8001")
        end = await ami.event("DialEnd")
        assert end["DialStatus"] == status
        seat_leg = end["DestChannel"]
        hangup = await ami.event("Hangup", Channel=seat_leg)
        assert hangup["Cause"] == cause
        failed = await ami.event("UserEvent", UserEvent="SeatFailed")
        assert failed["Seat"] == "8001" and failed["DialStatus"] == status
        assert failed["WaitChannel"] == waiting["WaitChannel"]
        assert failed["WaitUniqueid"] == call_id
        again = await ami.event("UserEvent", UserEvent="CallWaiting")
        assert again["Requeued"] == "1" and again["WaitChannel"] == waiting["WaitChannel"]
        assert sim.calls[call_id].outcome == "waiting"
        assert sim.calls[call_id].seats_tried == ("8001",)


async def test_no_answer_takes_the_ring_timeout() -> None:
    async with running_sim(seats=["8001"], time_scale=0.005) as sim, client(sim) as ami:
        sim.configure_seat("8001", answer_delay=20.0)  # slower than the 15 s ring timeout
        sim.place_call("13800000001")
        await _wait_and_redirect(ami, "8001")
        await ami.event("DialState", DialStatus="RINGING")
        loop = asyncio.get_running_loop()
        rang = loop.time()
        await ami.event("DialEnd", DialStatus="NOANSWER")
        assert loop.time() - rang >= 15 * 0.005 * 0.9


async def test_seat_already_on_a_call_is_busy() -> None:
    async with running_sim(seats=["8001"]) as sim, client(sim) as ami:
        sim.place_call("13800000001", talk_time=100)
        first = await _wait_and_redirect(ami, "8001")
        await ami.event("BridgeEnter", Channel=first["WaitChannel"])
        sim.place_call("13800000002")
        await _wait_and_redirect(ami, "8001")
        end = await ami.event("DialEnd", DialStatus="BUSY")
        assert end["DestChannel"].startswith("PJSIP/8001-")


async def test_unregistered_seat_is_unavailable_and_never_gets_a_channel() -> None:
    async with running_sim(seats=["8001"]) as sim, client(sim) as ami:
        sim.configure_seat("8001", registered=False)
        contact = await ami.event("ContactStatus")
        assert (contact["ContactStatus"], contact["EndpointName"], contact["AOR"]) == (
            "Removed",  # the phone unregistered (Unreachable is a failed qualify)
            "8001",
            "8001",
        )
        assert contact["Privilege"] == "system,all"
        await ami.event("DeviceStateChange", Device="PJSIP/8001", State="UNAVAILABLE")
        sim.place_call("13800000001")
        await _wait_and_redirect(ami, "8001")
        failed = await ami.event("UserEvent", UserEvent="SeatFailed")
        assert failed["DialStatus"] == "CHANUNAVAIL"
        assert not [m for m in events_of(ami.seen, "Newchannel") if "8001" in m["Channel"]]
        sim.configure_seat("8001", registered=True)
        back = await ami.event("ContactStatus")
        assert back["ContactStatus"] == "Reachable"
        await ami.event("DeviceStateChange", Device="PJSIP/8001", State="NOT_INUSE")


async def test_impatient_caller_hangs_up_while_waiting() -> None:
    async with running_sim() as sim, client(sim) as ami:
        call_id = sim.place_call("13800000001", patience=3.0)
        channel = (await ami.event("UserEvent", UserEvent="CallWaiting"))["WaitChannel"]
        request = await ami.event("HangupRequest", Channel=channel)
        assert request["Cause"] == "16"
        await ami.event("MusicOnHoldStop", Channel=channel)
        hangup = await ami.event("Hangup", Channel=channel)
        assert (hangup["Cause"], hangup["Cause-txt"], hangup["Linkedid"]) == (
            "16",
            "Normal Clearing",
            call_id,
        )
        assert sim.calls[call_id].outcome == "abandoned"


async def test_caller_hanging_up_while_the_seat_rings_cancels_the_dial() -> None:
    async with running_sim(seats=["8001"]) as sim, client(sim) as ami:
        sim.configure_seat("8001", behaviour="no_answer")
        call_id = sim.place_call("13800000001")
        await _wait_and_redirect(ami, "8001")
        await ami.event("DialState", DialStatus="RINGING")
        sim.hangup_call(call_id)
        await ami.event("DialEnd", DialStatus="CANCEL")
        await ami.saw("Hangup", Uniqueid=call_id)
        await ami.saw("DeviceStateChange", Device="PJSIP/8001", State="NOT_INUSE")
        assert sim.calls[call_id].outcome == "abandoned"
        assert sim.channels() == []


async def test_agent_or_caller_hangs_up_after_the_talk_time_depending_on_the_seed() -> None:
    enders = set()
    for seed in range(6):
        async with running_sim(seats=["8001"], seed=seed) as sim, client(sim) as ami:
            call_id = sim.place_call("13800000001", talk_time=2)
            await _wait_and_redirect(ami, "8001")
            request = await ami.event("HangupRequest")
            enders.add("caller" if request["Uniqueid"] == call_id else "agent")
            await ami.saw("Hangup", Uniqueid=call_id)
            assert sim.calls[call_id].outcome == "answered"
    assert enders == {"caller", "agent"}
