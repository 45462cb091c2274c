"""The registered phones, as the resync after a login lists them (PJSIPShowContacts).

Asterisk 22 files PJSIPShowContacts under the ``system`` write class, answers an
empty list with ``Response: Error`` ``Message: No Contacts found``, and knows the
action only once res_pjsip is loaded (the link waits for FullyBooted first).
DeviceStateList is no substitute: right after a restart it says UNAVAILABLE for
every phone until the first qualify, seconds after they are reachable again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from acd.ami.messages import AmiActionError, AmiEvent, AmiReply

log = logging.getLogger(__name__)

NO_CONTACTS = "No Contacts found"
Send = Callable[..., Awaitable[AmiReply]]


async def list_contacts(send: Send, username: str) -> tuple[AmiEvent, ...] | None:
    """Every registered phone's contact; None when the AMI user may not list them."""
    action: Mapping[str, Any] = {"Action": "PJSIPShowContacts"}
    try:
        reply = await send(action, as_list=True)
    except AmiActionError as exc:
        if exc.message == NO_CONTACTS:
            return ()
        log.error(
            "AMI user %r may not list PJSIP contacts (%s): registrations are not resynced; "
            "grant it write=system in manager.conf",
            username,
            exc.message,
        )
        return None
    return tuple(i for i in reply.items if not i.name.endswith("Complete"))
