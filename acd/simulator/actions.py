"""AMI actions after login: what each one answers and what it does to the simulated PBX.

Replies use Asterisk's own wording ("Redirect successful", "No such channel",
"Channel Hungup", ...). The PBX change an action causes runs just after its
reply is queued, so the reply precedes the events it causes, as on a real box.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from acd.simulator import listings
from acd.simulator.channels import Channel
from acd.simulator.dialplan import Dialplan
from acd.simulator.originate import Originator
from acd.simulator.pbx import Pbx
from acd.simulator.server import ActionResult, Session
from acd.simulator.wire import Headers, Message, list_complete, list_item, list_start, response

ListAction = Callable[[Pbx, Message], list[Headers]]
REDIRECT_SETTLE = 0.005  # seconds a Redirected channel takes to land in its new place

LISTS: dict[str, ListAction] = {
    "coreshowchannels": listings.core_show_channels,
    "status": listings.status,
    "devicestatelist": listings.device_state_list,
    "pjsipshowcontacts": listings.pjsip_show_contacts,
    "queuestatus": listings.queue_status,
}


def _reply(
    status: str, msg: Message, text: str, after: Callable[[], None] | None = None
) -> ActionResult:
    return ActionResult([response(status, msg.action_id, text)], after)


class Actions:
    def __init__(self, pbx: Pbx, dialplan: Dialplan) -> None:
        self.pbx = pbx
        self.dialplan = dialplan
        self.originator = Originator(pbx, dialplan)
        self.global_vars: dict[str, str] = {}
        self.astdb: dict[str, str] = {}  # full key "/family/key" → value, like AstDB

    async def dispatch(self, session: Session, msg: Message) -> ActionResult:
        name = msg.action.lower()
        if name in LISTS:
            return ActionResult(LISTS[name](self.pbx, msg))
        if name == "originate":
            return await self.originator.originate(msg)
        handler = getattr(self, f"_{name}", None)
        if handler is None or not name.isalpha():
            text = (
                f"Invalid/unknown command: {msg.action}. "
                "Use Action: ListCommands to show available commands."
            )
            return _reply("Error", msg, text)
        result: ActionResult = handler(msg)
        return result

    def _ping(self, msg: Message) -> ActionResult:
        stamp = f"{time.time():.6f}"
        return ActionResult(
            [response("Success", msg.action_id, None, ("Ping", "Pong"), ("Timestamp", stamp))]
        )

    def _redirect(self, msg: Message) -> ActionResult:
        name = msg.get("Channel")
        if not name:
            return _reply("Error", msg, "Channel not specified")
        ch = self.pbx.find(name)
        if ch is None:
            return _reply("Error", msg, "No such channel")
        if time.monotonic() - ch.redirected_at < REDIRECT_SETTLE * self.pbx.time_scale:
            # Asterisk 22: a Redirect right behind another, while the first still pulls
            # the channel out of its Dial, is refused.
            return _reply("Error", msg, "Redirect failed, channel not up.")
        moves = [(ch, msg.get("Context"), msg.get("Exten"))]
        if msg.get("ExtraChannel"):
            extra = self.pbx.find(msg.get("ExtraChannel"))
            if extra is None:
                return _reply("Error", msg, "No such channel")
            context = msg.get("ExtraContext") or msg.get("Context")
            moves.append((extra, context, msg.get("ExtraExten") or msg.get("Exten")))
        programs = [self.dialplan.program(c, ctx, ext) for c, ctx, ext in moves]
        if any(p is None for p in programs):
            for p in programs:
                if p is not None:
                    p.close()
            return _reply("Error", msg, "Redirect failed")

        def move() -> None:
            for c, _, _ in moves:  # mark all first: moving one must not hang up the other
                c.redirecting = True
                c.redirected_at = time.monotonic()
            for c, _, _ in moves:
                self.pbx.pull_out(c)
            for (c, _, _), program in zip(moves, programs, strict=True):
                c.redirecting = False
                if c.hung_up:
                    if program is not None:
                        program.close()
                elif program is not None:
                    c.task = self.pbx.spawn(program)

        text = "Dual Redirect successful" if len(moves) > 1 else "Redirect successful"
        return _reply("Success", msg, text, move)

    def _hangup(self, msg: Message) -> ActionResult:
        name = msg.get("Channel")
        if not name:
            return _reply("Error", msg, "No channel specified")
        cause = int(msg.get("Cause") or 16) if (msg.get("Cause") or "16").isdigit() else 16
        if len(name) > 2 and name.startswith("/") and name.endswith("/"):
            pattern = re.compile(name[1:-1])
            found = [c for c in self.pbx.channels.values() if pattern.search(c.name)]
        else:
            one = self.pbx.find(name)
            found = [one] if one is not None else []
        if not found:
            return _reply("Error", msg, "No such channel")

        def hang_up() -> None:
            for c in found:
                self.pbx.hangup(c, cause, "soft")

        return _reply("Success", msg, "Channel Hungup", hang_up)

    def _setvar(self, msg: Message) -> ActionResult:
        var = msg.get("Variable")
        if not var:
            return _reply("Error", msg, "No variable specified")
        value = msg.get("Value")
        name = msg.get("Channel")
        if not name:
            self.global_vars[var] = value
            return _reply("Success", msg, "Variable Set")
        ch = self.pbx.find(name)
        if ch is None:
            return _reply("Error", msg, "No such channel")
        return _reply("Success", msg, "Variable Set", lambda: self.pbx.set_var(ch, var, value))

    def _getvar(self, msg: Message) -> ActionResult:
        var = msg.get("Variable")
        if not var:
            return _reply("Error", msg, "No variable specified")
        name = msg.get("Channel")
        if name:
            ch = self.pbx.find(name)
            if ch is None:
                return _reply("Error", msg, "No such channel")
            value = _channel_value(ch, var)
        else:
            value = self.global_vars.get(var, "")
        extra = (("Variable", var), ("Value", value))
        return ActionResult([response("Success", msg.action_id, None, *extra)])

    # -- AstDB (the fallback's seat mirror and call records) -------------------------------
    # The simulator does not model the fallback queue itself (its dialplan has no app_queue);
    # it keeps the ACD's AstDB traffic answered the way Asterisk 22 answers it.

    def _dbput(self, msg: Message) -> ActionResult:
        family, key = msg.get("Family"), msg.get("Key")
        if not family:
            return _reply("Error", msg, "No family specified")
        if not key:
            return _reply("Error", msg, "No key specified")
        self.astdb[f"/{family}/{key}"] = msg.get("Val")
        return _reply("Success", msg, "Updated database successfully")

    def _dbdel(self, msg: Message) -> ActionResult:
        family, key = msg.get("Family"), msg.get("Key")
        if not family:
            return _reply("Error", msg, "No family specified.")
        if not key:
            return _reply("Error", msg, "No key specified.")
        if self.astdb.pop(f"/{family}/{key}", None) is None:
            return _reply("Error", msg, "Database entry not found")
        return _reply("Success", msg, "Key deleted successfully")

    def _dbdeltree(self, msg: Message) -> ActionResult:
        family, key = msg.get("Family"), msg.get("Key")
        if not family:
            return _reply("Error", msg, "No family specified.")
        prefix = f"/{family}/{key}" if key else f"/{family}"
        gone = [k for k in self.astdb if k == prefix or k.startswith(prefix + "/")]
        for k in gone:
            del self.astdb[k]
        if not gone:
            return _reply("Error", msg, "Database entry not found")
        return _reply("Success", msg, "Key tree deleted successfully")

    def _dbgettree(self, msg: Message) -> ActionResult:
        family, key = msg.get("Family"), msg.get("Key")
        prefix = f"/{family}/{key}" if family and key else (f"/{family}" if family else "")
        bodies: list[Headers] = [
            [("Family", family), ("Key", k), ("Val", v)]
            for k, v in sorted(self.astdb.items())
            if not prefix or k == prefix or k.startswith(prefix + "/")
        ]
        return ActionResult(
            [
                list_start(msg.action_id, "Result will follow"),
                *(list_item("DBGetTreeResponse", msg.action_id, body) for body in bodies),
                list_complete("DBGetTreeComplete", msg.action_id, len(bodies)),
            ]
        )

    def _bridge(self, msg: Message) -> ActionResult:
        one, two = msg.get("Channel1"), msg.get("Channel2")
        if not one or not two:
            return _reply("Error", msg, "Missing channel parameter in request")
        first, second = self.pbx.find(one), self.pbx.find(two)
        if first is None:
            return _reply("Error", msg, f"Channel1 does not exist: {one}")
        if second is None:
            return _reply("Error", msg, f"Channel2 does not exist: {two}")

        def bridge() -> None:
            first.redirecting = second.redirecting = True
            for c in (first, second):
                self.pbx.pull_out(c)
                c.redirecting = False
            joined = self.pbx.new_bridge()
            for c in (first, second):
                self.pbx.join_bridge(c, joined)
                c.task = self.pbx.spawn(self._stay_bridged(c))

        return _reply("Success", msg, "Channels have been bridged", bridge)

    async def _stay_bridged(self, ch: Channel) -> None:
        ch.application, ch.app_data = "Bridge", ""
        if ch.bridge_exit is not None:
            await ch.bridge_exit
        self.pbx.hangup(ch, 16)

    def _userevent(self, msg: Message) -> ActionResult:
        name = msg.get("UserEvent")
        if not name:
            return _reply("Error", msg, "UserEvent needs a name")
        skip = {"action", "actionid", "userevent"}
        body: Headers = [(k, v) for k, v in msg.headers if k.lower() not in skip]
        return _reply("Success", msg, "Event Sent", lambda: self.pbx.user_event(None, name, body))


def _channel_value(ch: Channel, var: str) -> str:
    builtin = {
        "CHANNEL": ch.name,
        "UNIQUEID": ch.uniqueid,
        "CALLERID(num)": ch.caller_num,
        "CALLERID(name)": ch.caller_name,
        "CHANNEL(linkedid)": ch.linkedid,
    }
    return builtin.get(var, ch.variables.get(var.lstrip("_"), ""))
