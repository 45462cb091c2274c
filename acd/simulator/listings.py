"""List actions: CoreShowChannels, Status, DeviceStateList, PJSIPShowContacts, QueueStatus.

Each answers ``Response: Success`` + ``EventList: start``, then item events that
carry the ActionID and no Privilege line, then ``XxxComplete`` with ``ListItems``.
"""

from __future__ import annotations

import time

from acd.simulator.channels import Channel
from acd.simulator.pbx import Pbx
from acd.simulator.wire import Headers, Message, list_complete, list_item, list_start, response

# manager.conf ``channelvars``: the variables Asterisk prints with every channel.
CHANNEL_VARS = ("ACD_SKILL", "ACD_QUEUED_AT")


def _duration(ch: Channel) -> str:
    seconds = int(time.time() - ch.created)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _listing(
    aid: str | None, intro: str, item: str, bodies: list[Headers], done: str
) -> list[Headers]:
    out = [list_start(aid, intro)]
    out += [list_item(item, aid, body) for body in bodies]
    out.append(list_complete(done, aid, len(bodies)))
    return out


def core_show_channels(pbx: Pbx, msg: Message) -> list[Headers]:
    bodies: list[Headers] = []
    for ch in list(pbx.channels.values()):
        body = [
            *ch.snapshot(),
            ("Application", ch.application),
            ("ApplicationData", ch.app_data),
            ("Duration", _duration(ch)),
        ]
        if ch.bridge is not None:
            body.append(("BridgeId", ch.bridge.uniqueid))
        body += [("ChanVariable", f"{n}={ch.variables.get(n, '')}") for n in CHANNEL_VARS]
        bodies.append(body)
    aid = msg.action_id
    return _listing(
        aid, "Channels will follow", "CoreShowChannel", bodies, "CoreShowChannelsComplete"
    )


def status(pbx: Pbx, msg: Message) -> list[Headers]:
    aid = msg.action_id
    wanted = msg.get("Channel")
    channels = list(pbx.channels.values())
    if wanted:
        found = pbx.find(wanted)
        if found is None:
            return [response("Error", aid, "No such channel")]
        channels = [found]
    bodies: list[Headers] = []
    for ch in channels:
        bodies.append(
            [
                *ch.snapshot(),
                ("Type", ch.name.split("/")[0]),
                ("DNID", ch.exten if ch.context == "from-pstn" else ""),
                ("EffectiveConnectedLineNum", ch.connected_num),
                ("EffectiveConnectedLineName", ch.connected_name),
                ("TimeToHangup", "0"),
                ("BridgeID", ch.bridge.uniqueid if ch.bridge else ""),
                ("Application", ch.application),
                ("Data", ch.app_data),
                ("Nativeformats", "(alaw)"),
                ("Readformat", "alaw"),
                ("Readtrans", ""),
                ("Writeformat", "alaw"),
                ("Writetrans", ""),
                ("Callgroup", "0"),
                ("Pickupgroup", "0"),
                ("Seconds", str(int(time.time() - ch.created))),
            ]
        )
    out = _listing(aid, "Channel status will follow", "Status", bodies, "StatusComplete")
    out[-1].append(("Items", str(len(bodies))))
    return out


def device_state_list(pbx: Pbx, msg: Message) -> list[Headers]:
    devices = sorted({f"PJSIP/{seat}" for seat in pbx.seats} | {"PJSIP/trunk"})
    bodies: list[Headers] = [
        [("Device", device), ("State", pbx.device_state(device))] for device in devices
    ]
    return _listing(
        msg.action_id,
        "Device State Changes will follow",
        "DeviceStateChange",
        bodies,
        "DeviceStateListComplete",
    )


def pjsip_show_contacts(pbx: Pbx, msg: Message) -> list[Headers]:
    """Registered phones only (an unregistered one has no contact at all); none is an
    error reply, as on Asterisk 22. Right after a restart the contacts restored from
    astdb are NonQualified until the first qualify."""
    registered = [(seat, ep) for seat, ep in sorted(pbx.seats.items()) if ep.registered]
    if not registered:
        return [response("Error", msg.action_id, "No Contacts found")]
    bodies: list[Headers] = []
    status = "NonQualified" if pbx.unqualified else "Reachable"
    for i, (seat, _) in enumerate(registered):
        uri = f"sip:{seat}@10.0.0.{10 + i % 240}:5060"
        bodies.append(
            [
                ("ObjectType", "contact"),
                ("ObjectName", f"{seat};@{abs(hash(uri)) % 10**8:08d}"),
                ("ViaAddr", f"10.0.0.{10 + i % 240}"),
                ("ViaPort", "5060"),
                ("QualifyTimeout", "3.000000"),
                ("CallId", f"{seat}-registration"),
                ("RegServer", ""),
                ("PruneOnBoot", "no"),
                ("Path", ""),
                ("Endpoint", seat),
                ("AuthenticateQualify", "false"),
                ("Uri", uri),
                ("QualifyFrequency", "60"),
                ("UserAgent", "MicroSIP/3.21.3"),
                ("ExpirationTime", str(int(time.time()) + 3600)),
                ("OutboundProxy", ""),
                ("Status", status),
                ("RoundtripUsec", "0" if pbx.unqualified else "1200"),
                ("Aor", seat),
                ("EndpointName", seat),
            ]
        )
    return _listing(
        msg.action_id,
        "A listing of Contacts follows, presented as ContactList events",
        "ContactList",
        bodies,
        "ContactListComplete",
    )


def queue_status(pbx: Pbx, msg: Message) -> list[Headers]:
    """No queues: routing is the ACD's, so the list is always empty."""
    return _listing(msg.action_id, "Queue status will follow", "", [], "QueueStatusComplete")
