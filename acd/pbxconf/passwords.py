"""Each phone's own SIP password, derived from one key so it can be rendered again.

HMAC-SHA256 of the phone's extension under ``CALLCENTER_PBX_SEAT_KEY``: every seat
gets a different password, a leaked one says nothing about the others, and
re-rendering the configuration gives the same passwords the phones already use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

PASSWORD_LENGTH = 20  # base32 characters: 100 bits


def phone_password(key: str, extension: str) -> str:
    digest = hmac.new(key.encode(), f"sip-phone:{extension}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().rstrip("=").lower()[:PASSWORD_LENGTH]


def placeholder_password(extension: str) -> str:
    """What the template shows where a deployment's password goes."""
    return f"set-CALLCENTER_PBX_SEAT_KEY-{extension}"
