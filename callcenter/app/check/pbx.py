"""Checks against the running Asterisk, through AMI: login, permissions, dialplan, seats.

Every probe is harmless. A permission is proven by sending the action without
the fields it needs: Asterisk checks the AMI user's class first, so the answer
is either ``Permission denied`` or a complaint about the missing field.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from acd.ami import AmiActionError, AmiConfig, AmiError, AmiEvent, AmiLink
from acd.pbxconf.contract import USER_EVENTS, Rule, contract, missing
from callcenter.app.check.results import CheckResult
from callcenter.kernel.settings import Settings

LOGIN_SECONDS = 5.0
DENIED = "Permission denied"
EXAMPLE_CALLBACK_NUMBER = "13800000000"


@dataclass(frozen=True)
class Probe:
    action: str
    manager_class: str  # manager.conf write= class that grants it (Asterisk 22)
    why: str


# Every action the ACD sends, and one the check itself needs.
PROBES = (
    Probe("Redirect", "call", "to send callers to seats"),
    Probe("Setvar", "call", "to tell the dialplan each call's ring time"),
    Probe("Originate", "originate", "to call back missed callers and ring the police"),
    Probe("CoreShowChannels", "reporting", "to find the calls in progress after a reconnect"),
    Probe("PJSIPShowContacts", "system", "to know which phones are registered"),
    Probe("PJSIPShowEndpoints", "system", "to list the seats (this check)"),
    Probe("ShowDialPlan", "reporting", "to read the dialplan (this check)"),
)


@contextlib.asynccontextmanager
async def ami_session(settings: Settings) -> AsyncIterator[AmiLink | str]:
    """A logged-in link, or why there is none."""
    link = AmiLink(
        AmiConfig(
            host=settings.ami_host,
            port=settings.ami_port,
            username=settings.ami_username,
            secret=settings.ami_secret,
            action_timeout=settings.ami_action_timeout,
            boot_wait=0.0,
        )
    )
    await link.start()
    try:
        try:
            await link.wait_logged_in(LOGIN_SECONDS)
        except (TimeoutError, AmiError):
            yield link.status.last_error or "no answer"
            return
        yield link
    finally:
        await link.close()


def login(settings: Settings, link: AmiLink | str) -> CheckResult:
    where = f"{settings.ami_username}@{settings.ami_host}:{settings.ami_port}"
    if isinstance(link, str):
        return CheckResult.failed(
            "ami login",
            f"{where}: {link}",
            "check CALLCENTER_AMI_HOST/PORT/USERNAME/SECRET against manager.conf "
            "([general] enabled, bindaddr; the user's secret and permit=)",
        )
    return CheckResult.passed("ami login", f"logged in as {where}")


async def permissions(settings: Settings, link: AmiLink) -> CheckResult:
    refused: list[Probe] = []
    for probe in PROBES:
        try:
            await link.send({"Action": probe.action}, as_list=False)
        except AmiActionError as exc:
            if DENIED.lower() in exc.message.lower():
                refused.append(probe)
    if refused:
        classes = sorted({probe.manager_class for probe in refused})
        return CheckResult.failed(
            "ami permissions",
            "; ".join(f"{p.action} refused ({p.why})" for p in refused),
            f"add {', '.join(classes)} to write= of [{settings.ami_username}] in "
            "manager.conf, then `manager reload` (callcenter asterisk-conf writes it so)",
        )
    return CheckResult.passed(
        "ami permissions",
        f"{len(PROBES)} actions permitted: " + ", ".join(p.action for p in PROBES),
    )


async def dialplan(settings: Settings, link: AmiLink) -> CheckResult:
    try:
        reply = await link.send({"Action": "ShowDialPlan"}, as_list=True)
    except AmiError as exc:
        return CheckResult.failed(
            "dialplan", f"cannot read it: {exc}", "grant the AMI user write=reporting"
        )
    extensions: dict[str, set[str]] = defaultdict(set)
    events: set[str] = set()
    for item in reply.items:
        if item.name != "ListDialplan":
            continue
        extensions[item.text("Context")].add(item.text("Extension"))
        if item.text("Application").lower() == "userevent":
            events.add(item.text("AppData").split(",", 1)[0].strip())
    rules = _rules(settings)
    gaps = missing(rules, extensions)
    absent_events = sorted(USER_EVENTS - events)
    if gaps or absent_events:
        problems = [f"[{rule.context}] lacks {', '.join(exts)} ({rule.why})" for rule, exts in gaps]
        problems += [f"no UserEvent({name})" for name in absent_events]
        return CheckResult.failed(
            "dialplan",
            "; ".join(problems),
            "load the dialplan `callcenter asterisk-conf` writes (extensions.conf), "
            "then `dialplan reload`; asterisk-conf/README.md explains each rule",
        )
    return CheckResult.passed(
        "dialplan",
        f"{len(rules)} contexts of the contract and {len(USER_EVENTS)} UserEvents present",
    )


async def seats(settings: Settings, link: AmiLink) -> CheckResult:
    try:
        endpoints = await link.send({"Action": "PJSIPShowEndpoints"}, as_list=True)
    except AmiError as exc:
        return CheckResult.failed("seats", f"cannot list endpoints: {exc}", "grant write=system")
    known = {item.text("ObjectName") for item in endpoints.items if item.name == "EndpointList"}
    registered = await _registered(link)
    expected = [*settings.seat_extensions, settings.callback_seat]
    absent = [seat for seat in expected if seat not in known]
    online = [seat for seat in expected if seat in registered]
    offline = [seat for seat in expected if seat in known and seat not in registered]
    summary = f"{len(online)} of {len(expected)} registered" + (
        f" (not registered: {', '.join(offline)})" if offline else ""
    )
    if absent:
        return CheckResult.failed(
            "seats",
            f"no PJSIP endpoint for {', '.join(absent)}; {summary}",
            "CALLCENTER_SEAT_EXTENSIONS and pjsip.conf must name the same seats: "
            "render pjsip.conf with `callcenter asterisk-conf`, then `pjsip reload`",
        )
    return CheckResult.passed("seats", f"every seat is a PJSIP endpoint; {summary}")


async def _registered(link: AmiLink) -> set[str]:
    try:
        reply = await link.send({"Action": "PJSIPShowContacts"}, as_list=True)
    except AmiActionError:  # "No Contacts found"
        return set()
    return {_endpoint(item) for item in reply.items if item.name == "ContactList"} - {""}


def _endpoint(item: AmiEvent | Mapping[str, Any]) -> str:
    name = str(item.get("Endpoint", "") or item.get("AOR", ""))
    if name and _reachable(item):
        return name
    return ""


def _reachable(item: AmiEvent | Mapping[str, Any]) -> bool:
    return str(item.get("Status", "")).lower() in ("reachable", "notqualified", "nonqualified")


def _rules(settings: Settings) -> list[Rule]:
    return contract(
        hotline_number=settings.hotline_number,
        seats=settings.seat_extensions,
        callback_seat=settings.callback_seat,
        example_number=EXAMPLE_CALLBACK_NUMBER,
    )
