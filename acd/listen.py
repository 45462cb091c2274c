"""Listen-in: a supervisor's phone rings and, when answered, hears (or whispers to) a seat.

One Originate of the supervisor's phone into ChanSpy on the seat's channels
(``PJSIP/<seat>-``: that seat only, not 80010). ``E`` ends the listen-in when the
call it listens to ends, and ``S`` when the seat has no call: without them
ChanSpy goes back to scanning and silently spies on the seat's next call.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Protocol

from acd.ami.messages import AmiReply
from acd.own_calls import LISTEN_PREFIX


class ListenLink(Protocol):
    async def originate(
        self,
        *,
        channel: str,
        channel_id: str,
        application: str | None = None,
        data: str | None = None,
        caller_id: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> AmiReply: ...


def chanspy_data(seat: str, *, whisper: bool) -> str:
    return f"PJSIP/{seat}-,{'qw' if whisper else 'q'}ES"


async def listen_in(ami: ListenLink, seat: str, phone: str, *, whisper: bool) -> str:
    """Ring ``phone`` into a listen-in on ``seat``; returns the listen leg's channel id."""
    channel_id = f"{LISTEN_PREFIX}{uuid.uuid4()}"
    mode = "Whisper" if whisper else "Listen"
    await ami.originate(
        channel=f"PJSIP/{phone}",
        application="ChanSpy",
        data=chanspy_data(seat, whisper=whisper),
        caller_id=f'"{mode} {seat}" <{seat}>',
        channel_id=channel_id,
    )
    return channel_id
