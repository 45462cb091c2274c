"""The calls the ACD places itself, told apart from callers by their Linkedid.

Every Originate of the ACD carries a ChannelId with one of these prefixes, which
becomes the Uniqueid and Linkedid of the call: a callback attempt, the police
line of a warm conference, a supervisor's listen-in. They are never inbound
callers, not on the live path and not after a resync.
"""

from __future__ import annotations

CALLBACK_PREFIX = "cb-"
CONFERENCE_PREFIX = "crisis-conf-"
LISTEN_PREFIX = "listen-"
OWN_PREFIXES = (CALLBACK_PREFIX, CONFERENCE_PREFIX, LISTEN_PREFIX)


def is_own_call(linkedid: str) -> bool:
    return linkedid.startswith(OWN_PREFIXES)
