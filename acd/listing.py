"""Reading what a CoreShowChannels listing says about each channel (for a resync).

``manager.conf`` lists ``ACD_SKILL`` and ``ACD_QUEUED_AT`` in ``channelvars``, so every
listed channel carries them as ``ChanVariable: NAME=value``; Uniqueids sort by creation.
"""

from __future__ import annotations

from collections.abc import Mapping

from acd.events import Skill

Event = Mapping[str, str | list[str]]


def _text(event: Event, key: str) -> str:
    value = event.get(key, "")
    return value if isinstance(value, str) else (value[0] if value else "")


def channel_variables(event: Event) -> dict[str, str]:
    """The ``ChanVariable: NAME=value`` headers (manager.conf ``channelvars``) as a dict."""
    raw = event.get("ChanVariable", [])
    found: dict[str, str] = {}
    for item in [raw] if isinstance(raw, str) else raw:
        name, _, value = item.partition("=")
        found[name.strip()] = value.strip()
    return found


def skill_of(text: str) -> Skill:
    try:
        return Skill(text)
    except ValueError:
        return Skill.GENERAL


def epoch(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def creation_order(channel: Event) -> tuple[int, int]:
    """Asterisk's Uniqueid is ``<system>-<epoch>.<sequence>``: it sorts by creation."""
    seconds, _, seq = _text(channel, "Uniqueid").rpartition("-")[2].partition(".")
    try:
        return int(seconds), int(seq or 0)
    except ValueError:
        return 0, 0
