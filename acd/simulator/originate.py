"""The Originate action: ring a first leg, report it with OriginateResponse, run its dialplan.

``ChannelId`` becomes the first leg's Uniqueid (and so the Linkedid of the whole
call); a ChannelId that a live channel already has is refused, so a retried
Originate can never dial twice.
"""

from __future__ import annotations

import re
import time

from acd.simulator.channels import CallRecord, Channel, Role, State
from acd.simulator.dialling import DialTarget, ring
from acd.simulator.dialplan import Dialplan
from acd.simulator.pbx import Pbx
from acd.simulator.server import ActionResult
from acd.simulator.wire import Headers, Message, response

# Asterisk 22's OriginateResponse Reason: 4 answered, 3 no answer; a 486 Busy gives 0
# (not 5), like every other failure: only the channel's Hangup cause (17) says busy.
REASON = {"ANSWER": "4", "NOANSWER": "3", "CONGESTION": "8"}
FAILURE_CAUSE = {"BUSY": 17, "NOANSWER": 19}
_CALLERID = re.compile(r'^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$')


def parse_callerid(text: str) -> tuple[str, str]:
    """``"Name" <num>`` or a bare number, as (number, name)."""
    m = _CALLERID.match(text)
    if m:
        return m.group(2).strip(), m.group(1).strip()
    return text.strip(), ""


def truthy(text: str) -> bool:
    return text.strip().lower() in ("true", "yes", "1", "on", "y", "t")


class Originator:
    def __init__(self, pbx: Pbx, dialplan: Dialplan) -> None:
        self.pbx = pbx
        self.dialplan = dialplan

    async def originate(self, msg: Message) -> ActionResult:
        aid = msg.action_id
        channel = msg.get("Channel")
        if not channel:
            return ActionResult([response("Error", aid, "Channel not specified")])
        exten, context, app = msg.get("Exten"), msg.get("Context"), msg.get("Application")
        if exten and (not context or not msg.get("Priority")):
            error = "Originate with 'Exten' requires 'Context' and 'Priority'"
            return ActionResult([response("Error", aid, error)])
        channel_id = msg.get("ChannelId")
        if channel_id and self.pbx.find(channel_id) is not None:
            return ActionResult([response("Error", aid, "Originate failed")])
        timeout = float(msg.get("Timeout") or 30000) / 1000.0
        variables: list[tuple[str, str]] = []
        for header in msg.get_all("Variable"):
            for pair in header.split(","):
                name, _, value = pair.partition("=")
                if name.strip():
                    variables.append((name.strip(), value))
        leg = _Leg(
            channel=channel,
            target=self.dialplan.target(channel),
            channel_id=channel_id,
            callerid=parse_callerid(msg.get("CallerID")),
            variables=variables,
            timeout=timeout,
            context=context,
            exten=exten,
            app=app,
            data=msg.get("Data"),
            action_id=aid,
        )
        if truthy(msg.get("Async")):
            queued = [response("Success", aid, "Originate successfully queued")]
            return ActionResult(queued, after=lambda: self._spawn(leg))
        # Without Async the session waits for the first leg, and no OriginateResponse follows.
        ch, status = await self._ring(leg)
        if ch is None or status != "ANSWER":
            if ch is not None:
                self.pbx.hangup(ch, FAILURE_CAUSE.get(status, 16))
            return ActionResult([response("Error", aid, "Originate failed")])
        return ActionResult(
            [response("Success", aid, "Originate successfully queued")],
            after=lambda: self._continue(leg, ch),
        )

    def _spawn(self, leg: _Leg) -> None:
        async def run() -> None:
            ch, status = await self._ring(leg)
            self._respond(leg, ch, status)
            if ch is not None and status == "ANSWER":
                self._continue(leg, ch)
            elif ch is not None:  # after the OriginateResponse, as on Asterisk 22
                self.pbx.hangup(ch, FAILURE_CAUSE.get(status, 16))

        self.pbx.spawn(run())

    async def _ring(self, leg: _Leg) -> tuple[Channel | None, str]:
        pbx = self.pbx
        target = leg.target
        if target is None or target.endpoint is None:
            self._note_callback(leg, None, "CHANUNAVAIL")
            return None, "CHANUNAVAIL"
        num, name = leg.callerid
        ch = pbx.new_channel(
            target.tech,
            role=Role.ORIGINATED,
            device=target.device,
            uniqueid=leg.channel_id or None,
            caller=(num or target.number, name),
            connected=(num, name),
        )
        for var, value in leg.variables:
            pbx.set_var(ch, var, value)
        self._note_callback(leg, ch, "")
        dest = ch.snapshot("Dest")
        pbx.emit("DialBegin", "call", [*dest, ("DialString", target.dial_string)])

        def ringing() -> None:
            pbx.emit("DialState", "call", [*ch.snapshot("Dest"), ("DialStatus", "RINGING")])

        status = await ring(pbx, ch, target.endpoint, leg.timeout, ringing, exclusive=target.seat)
        if ch.hung_up:
            status = status if status != "ANSWER" else "CANCEL"
        elif status == "ANSWER":
            pbx.set_state(ch, State.UP)
        pbx.emit("DialEnd", "call", [*ch.snapshot("Dest"), ("DialStatus", status)])
        if status != "ANSWER":
            self._note_callback(leg, ch, status)
        return ch, status

    def _respond(self, leg: _Leg, ch: Channel | None, status: str) -> None:
        body: Headers = []
        if leg.action_id is not None:
            body.append(("ActionID", leg.action_id))
        answered = ch is not None and status == "ANSWER"
        body += [
            ("Response", "Success" if answered else "Failure"),
            # a failed Originate names the dial string, an answered one its channel
            ("Channel", ch.name if answered and ch is not None else leg.channel),
        ]
        if leg.app:
            body += [("Application", leg.app), ("Data", leg.data)]
        else:
            body += [("Context", leg.context), ("Exten", leg.exten)]
        num, name = leg.callerid
        body += [
            ("Reason", REASON.get(status, "0")),
            ("Uniqueid", ch.uniqueid if ch is not None else leg.channel_id or "<unknown>"),
            ("CallerIDNum", num or "<unknown>"),
            ("CallerIDName", name or "<unknown>"),
        ]
        self.pbx.emit("OriginateResponse", "call", body)

    def _continue(self, leg: _Leg, ch: Channel) -> None:
        target = leg.target
        if target is not None and target.endpoint is not None and not target.seat:
            # An outside party (police line, callee) ends the call when done talking.
            talk = self.pbx.rng.uniform(*target.endpoint.talk_time)
            self.pbx.later(talk, lambda: self.pbx.hangup(ch, 16, "remote"))
        if leg.app:
            self.pbx.run_program(ch, self.dialplan.application(ch, leg.app, leg.data))
            return
        program = self.dialplan.program(ch, leg.context, leg.exten)
        if program is None:
            self.pbx.hangup(ch, 1)
        else:
            self.pbx.run_program(ch, program)

    def _note_callback(self, leg: _Leg, ch: Channel | None, status: str) -> None:
        """Keep a record of agent-first callbacks, keyed like every call by its Linkedid."""
        if leg.context != "acd-callback":
            return
        key = ch.linkedid if ch is not None else leg.channel_id
        if not key:
            return
        record = self.pbx.calls.get(key)
        if record is None:
            record = CallRecord(key, leg.exten, "", "callback", time.time())
            self.pbx.calls[key] = record
        if status:
            record.outcome = f"seat_{status.lower()}"
            record.ended = time.time()


class _Leg:
    """One Originate request, as parsed."""

    def __init__(
        self,
        *,
        channel: str,
        target: DialTarget | None,
        channel_id: str,
        callerid: tuple[str, str],
        variables: list[tuple[str, str]],
        timeout: float,
        context: str,
        exten: str,
        app: str,
        data: str,
        action_id: str | None,
    ) -> None:
        self.channel = channel
        self.target = target
        self.channel_id = channel_id
        self.callerid = callerid
        self.variables = variables
        self.timeout = timeout
        self.context = context
        self.exten = exten
        self.app = app
        self.data = data
        self.action_id = action_id
