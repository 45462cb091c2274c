"""The resync after a login, as the real Asterisk 22 made it necessary.

A restarted Asterisk takes AMI logins before res_pjsip is loaded (PJSIPShowContacts
is then an unknown command), answers "No Contacts found" as an error when no phone
is registered, and restores contacts as NonQualified until their first qualify.
"""

from __future__ import annotations

import asyncio

from acd.ami import AmiConfig, AmiEvent, AmiLink, ResyncSnapshot
from acd.tracker import CallTracker
from tests.acd.simhelpers import running_sim


async def _snapshot(link: AmiLink) -> ResyncSnapshot:
    async with asyncio.timeout(10):
        while True:
            event: AmiEvent = await link.events.get()
            if isinstance(event, ResyncSnapshot):
                return event


def _link(port: int) -> AmiLink:
    return AmiLink(AmiConfig("127.0.0.1", port, "acd", "acd-secret", backoff_initial=0.05))


async def test_after_an_asterisk_restart_the_resync_waits_for_fully_booted() -> None:
    async with running_sim(seats=["8001"], time_scale=1.0) as sim:  # a real boot's pace
        link = _link(sim.port)
        await link.start()
        try:
            await _snapshot(link)
            await sim.restart(keep_calls=False)
            snapshot = await _snapshot(link)
            assert snapshot.contacts is not None, "resynced before res_pjsip was up"
            assert [c.text("Status") for c in snapshot.contacts] == ["NonQualified"] * 2
            tracker = CallTracker(seats=["8001", "8099"])
            out = tracker.feed(snapshot, snapshot.received_at)
            assert {(e.seat, e.reachable) for e in out} == {("8001", True), ("8099", True)}  # type: ignore[attr-defined]
        finally:
            await link.close()


async def test_no_registered_phone_is_an_empty_list_and_every_seat_unreachable() -> None:
    async with running_sim(seats=["8001"]) as sim:
        for seat in ("8001", "8099"):
            sim.configure_seat(seat, registered=False)
        link = _link(sim.port)
        await link.start()
        try:
            snapshot = await _snapshot(link)
            assert snapshot.contacts == ()
            tracker = CallTracker(seats=["8001", "8099"])
            out = tracker.feed(snapshot, snapshot.received_at)
            assert {(e.seat, e.reachable) for e in out} == {("8001", False), ("8099", False)}  # type: ignore[attr-defined]
        finally:
            await link.close()
