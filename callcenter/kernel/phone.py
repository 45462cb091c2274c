"""Phone numbers: normalise for storage, mask for logs and for roles that need not see them."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

DEFAULT_REGION = "CN"


@lru_cache(maxsize=4096)
def normalise(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164 where the number parses (``+8613800000001``); digits only otherwise.

    Remembered for the last few thousand numbers: a call's number is normalised by
    the tracker, the recorder, the dialer and the crisis rules, a parse each time."""
    text = raw.strip()
    if not text or text == "<unknown>":
        return ""
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return "".join(ch for ch in text if ch.isdigit() or ch == "+")
    if phonenumbers.is_possible_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return "".join(ch for ch in text if ch.isdigit() or ch == "+")


def warm(region: str = DEFAULT_REGION) -> None:
    """Load the region's metadata now: phonenumbers imports it on the first parse (tens of
    milliseconds), which would otherwise fall on the first caller's arrival."""
    normalise("13800000000", region)


def mask(number: str) -> str:
    """Keep the first three and last two digits: ``+86138******01``."""
    if len(number) <= 5:
        return "*" * len(number)
    head = 6 if number.startswith("+86") else 3
    head = min(head, len(number) - 5)  # always hide at least three digits
    return number[:head] + "*" * (len(number) - head - 2) + number[-2:]
