"""The AMI adapter: the only code that talks to Asterisk's manager interface (via panoramisk)."""

from acd.ami.link import AmiLink
from acd.ami.messages import (
    RESYNC_EVENT,
    AmiActionError,
    AmiAuthError,
    AmiConfig,
    AmiError,
    AmiEvent,
    AmiFenced,
    AmiNotConnected,
    AmiReply,
    AmiTimeout,
    LinkStatus,
    ResyncSnapshot,
)

__all__ = [
    "RESYNC_EVENT",
    "AmiActionError",
    "AmiAuthError",
    "AmiConfig",
    "AmiError",
    "AmiEvent",
    "AmiFenced",
    "AmiLink",
    "AmiNotConnected",
    "AmiReply",
    "AmiTimeout",
    "LinkStatus",
    "ResyncSnapshot",
]
