"""The dialplan contract in data: what the ACD needs to find in Asterisk's dialplan.

``asterisk-conf/README.md`` explains each rule; this module lists the contexts,
the extensions each must answer and the UserEvents the ACD listens for, so that
``callcenter check`` can compare them with the dialplan Asterisk is running
(AMI ``ShowDialPlan``) and a test can compare them with the rendered file.
Extensions are matched the way Asterisk matches them (``_80XX`` takes 8001).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

# The events the tracker and the callback dialer read (UserEvent(Name,...) in the dialplan).
USER_EVENTS = frozenset({"CallWaiting", "SeatFailed", "CallbackOffered", "CallbackResult"})


@dataclass(frozen=True)
class Rule:
    context: str
    extensions: tuple[str, ...]
    why: str


def contract(
    *, hotline_number: str, seats: Iterable[str], callback_seat: str, example_number: str
) -> list[Rule]:
    """The rules for one hotline's settings (its number, its seats, a number to call back)."""
    return [
        Rule("from-pstn", (hotline_number,), "callers to the hotline number arrive here"),
        Rule("acd-ivr", ("s", "1", "2", "0", "t", "i"), "the menu that sets each caller's skill"),
        Rule("acd-hold", ("s",), "callers wait here; it announces them (UserEvent CallWaiting)"),
        Rule("acd-seat", (*seats, callback_seat), "the ACD's Redirect rings a seat here"),
        Rule("acd-after-dial", ("s",), "a seat that did not answer is reported (SeatFailed)"),
        Rule("acd-overflow", ("s",), "callers the ACD cannot serve hear the callback offer"),
        Rule("acd-closed", ("s",), "callers out of hours hear the closed prompt"),
        Rule(
            "acd-callback",
            (example_number, "h"),
            "the callback dialer's calls; 'h' reports a result after an answered one",
        ),
        Rule("acd-conference", ("crisis-conf-1",), "warm hand-offs to the police join here"),
        Rule(
            "acd-fallback",
            ("s",),
            "with the ACD's heartbeat stale, app_queue rings the seats the ACD last knew",
        ),
        Rule("acd-fallback-end", ("s",), "the hangup handler that closes a fallback call's record"),
    ]


def missing(
    rules: Iterable[Rule], dialplan: Mapping[str, Iterable[str]]
) -> list[tuple[Rule, list[str]]]:
    """Each rule with the extensions the running ``dialplan`` (context → patterns) lacks."""
    gaps: list[tuple[Rule, list[str]]] = []
    for rule in rules:
        patterns = list(dialplan.get(rule.context, ()))
        absent = [ext for ext in rule.extensions if not any(matches(p, ext) for p in patterns)]
        if absent:
            gaps.append((rule, absent))
    return gaps


def matches(pattern: str, extension: str) -> bool:
    """Whether a dialplan extension (``8001``, ``s``, ``_80XX``, ``_X.``) takes ``extension``."""
    if not pattern.startswith("_"):
        return pattern == extension
    return _compiled(pattern).fullmatch(extension) is not None


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    body = pattern[1:]
    index = 0
    while index < len(body):
        char = body[index]
        if char == "[":
            end = body.index("]", index)
            parts.append(f"[{body[index + 1 : end]}]")
            index = end + 1
            continue
        parts.append(
            {"X": "[0-9]", "Z": "[1-9]", "N": "[2-9]", ".": ".+", "!": ".*"}.get(
                char.upper() if char in "xzn" else char, re.escape(char)
            )
        )
        index += 1
    return re.compile("".join(parts))
