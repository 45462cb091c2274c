"""The Asterisk configuration as text, from the settings: pure, no files touched.

``render`` returns file name → content for every file Asterisk reads: the
dialplan, PJSIP (each phone with its own password), AMI, modules, music on
hold, the quiet conference profiles, RTP, logging and the core's small files.
``asterisk-conf/`` in the repository is ``render`` of the default settings with
placeholder passwords (a test keeps it so).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from acd.pbxconf.modules import modules_conf
from acd.pbxconf.passwords import phone_password, placeholder_password
from acd.pbxconf.settings import PbxSettings
from callcenter.kernel.settings import Settings

TEMPLATED = (
    "extensions.conf",
    "queues.conf",
    "pjsip.conf",
    "manager.conf",
    "asterisk.conf",
    "musiconhold.conf",
    "confbridge.conf",
    "rtp.conf",
    "logger.conf",
)
# Files the core reads at start-up; present so the log says nothing about them.
CORE_FILES = {
    "cdr.conf": "; No call detail records: the ACD keeps the call history.\n"
    "[general]\nenable = no\n",
    "cel.conf": "; No channel event logging.\n[general]\nenable = no\n",
    "features.conf": "; No in-call features (transfer, parking): the ACD moves calls.\n[general]\n",
    "indications.conf": "; Chinese call progress tones (ringback while a seat rings).\n"
    "[general]\ncountry = cn\n\n[cn]\ndescription = China\n"
    "ringcadence = 1000,4000\ndial = 450\nbusy = 450/350,0/350\n"
    "ring = 450/1000,0/4000\ncongestion = 450/700,0/700\n"
    "callwaiting = 450/400,0/4000\ninfo = 450/100,0/100,450/100,0/100,450/100,0/100\n",
    "acl.conf": "; Who may reach AMI is in manager.conf (permit/deny).\n",
    "udptl.conf": "; No fax.\n[general]\n",
    "ccss.conf": "; No call completion.\n[general]\ncc_max_requests = 0\n",
    "pjproject.conf": "; The SIP stack's defaults.\n[startup]\ntype = startup\n",
    "queuerules.conf": "; The fallback queue follows no penalty rules.\n[general]\n",
    "stasis.conf": "; The Stasis message bus: its defaults.\n[threadpool]\n",
}
_TOKEN = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class Layout:
    """Where Asterisk finds its files and writes its own."""

    etc_dir: Path
    data_dir: Path
    var_dir: Path
    asterisk_prefix: Path

    @classmethod
    def for_output(cls, out: Path, pbx: PbxSettings) -> Layout:
        etc = out.resolve()
        return cls(etc, pbx.data_dir or etc / "data", pbx.var_dir, pbx.asterisk_prefix)


@dataclass(frozen=True)
class Phone:
    extension: str
    role: str  # seat, callback seat, supervisor
    password: str


def phones(settings: Settings, pbx: PbxSettings) -> list[Phone]:
    """Every SIP phone: the seats, the callback seat, the supervisors' phones."""
    key = pbx.seat_key.get_secret_value() if pbx.seat_key is not None else None

    def password(extension: str) -> str:
        return phone_password(key, extension) if key else placeholder_password(extension)

    roles = [(seat, "seat") for seat in settings.seat_extensions]
    roles.append((settings.callback_seat, "callback seat"))
    roles += [(phone, "supervisor") for phone in pbx.supervisor_phones]
    seen: dict[str, Phone] = {}
    for extension, role in roles:
        seen.setdefault(extension, Phone(extension, role, password(extension)))
    return list(seen.values())


def render(settings: Settings, pbx: PbxSettings, layout: Layout) -> dict[str, str]:
    """Every configuration file Asterisk reads, as text."""
    all_phones = phones(settings, pbx)
    rtp_start, rtp_end = pbx.rtp_ports.split("-")
    values = {
        "hotline_number": settings.hotline_number,
        "ring_timeout": f"{settings.ring_timeout:g}",
        "callback_dial_timeout": "30",
        "seat_extens": _extens(
            [p.extension for p in all_phones if p.role != "supervisor"],
            lambda pattern: (
                f"exten => {pattern},1,Set(ACD_SEAT=${{EXTEN}})\n"
                f" same => n,Dial(PJSIP/${{EXTEN}},${{ACD_RING_TIMEOUT}})\n"
                f" same => n,Goto(acd-after-dial,s,1)"
            ),
        ),
        "internal_extens": _extens(
            [p.extension for p in all_phones],
            lambda pattern: f"exten => {pattern},1,Dial(PJSIP/${{EXTEN}},30)\n same => n,Hangup()",
        ),
        "fallback_after": str(settings.fallback_after),
        "fallback_check_seconds": str(settings.fallback_check_seconds),
        "fallback_members": "\n".join(fallback_member_lines(settings.seat_extensions)),
        "wrapup_seconds": f"{round(settings.wrapup_seconds)}",
        "sip_bind": pbx.sip_bind,
        "trunk": pbx.trunk,
        "trunk_host": pbx.trunk_host,
        "qualify_seconds": str(pbx.qualify_seconds),
        "qualify_timeout": f"{min(3.0, max(0.5, pbx.qualify_seconds / 2)):g}",
        "phones": "".join(_phone_sections(phone) for phone in all_phones),
        "ami_port": str(settings.ami_port),
        "ami_bind": settings.ami_host,
        "ami_username": settings.ami_username,
        "ami_secret": settings.ami_secret,
        "ami_permit": pbx.ami_permit,
        "etc_dir": str(layout.etc_dir),
        "modules_dir": str(layout.asterisk_prefix / "lib" / "asterisk" / "modules"),
        "sbin_dir": str(layout.asterisk_prefix / "sbin"),
        "data_dir": str(layout.data_dir),
        "var_dir": str(layout.var_dir).rstrip("/") or "",
        "system_name": pbx.system_name,
        "moh_dir": str(pbx.moh_dir),
        "rtp_start": rtp_start,
        "rtp_end": rtp_end,
    }
    files = {name: fill(_template(name), values) for name in TEMPLATED}
    files["modules.conf"] = modules_conf()
    files.update(CORE_FILES)
    return files


def fallback_member_lines(seats: Iterable[str]) -> list[str]:
    """Dialplan that makes the fallback queue's members what the ACD last mirrored to AstDB.

    ``acd-seats/<seat>`` is ``available`` or ``paused`` for a logged-in seat and absent
    otherwise. Each step is guarded: app_queue logs a WARNING for a member added twice.
    """
    lines: list[str] = []
    for seat in seats:
        member = f"PJSIP/{seat}"
        lines += [
            f" same => n,Set(ACD_FB_STATE=${{DB(acd-seats/{seat})}})",
            f' same => n,Set(ACD_FB_IN=$[",${{QUEUE_MEMBER_LIST(acd-fallback)}},"'
            f' =~ ",{member},"])',
            f' same => n,ExecIf($["${{ACD_FB_STATE}}" = "" & ${{ACD_FB_IN}}]'
            f"?RemoveQueueMember(acd-fallback,{member}))",
            f' same => n,ExecIf($["${{ACD_FB_STATE}}" != "" & !${{ACD_FB_IN}}]'
            f"?AddQueueMember(acd-fallback,{member}))",
            f' same => n,ExecIf($["${{ACD_FB_STATE}}" = "paused"]'
            f"?PauseQueueMember(acd-fallback,{member}))",
            f' same => n,ExecIf($["${{ACD_FB_STATE}}" = "available"]'
            f"?UnpauseQueueMember(acd-fallback,{member}))",
        ]
    return lines


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace every ``{{name}}``; a name without a value is a bug, not an empty string."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"template token {{{{{name}}}}} has no value")
        return values[name]

    return _TOKEN.sub(value, template)


def seat_patterns(extensions: Iterable[str]) -> list[str]:
    """Dialplan patterns matching exactly these extensions' shape, widest common prefix.

    8001-8020 and 8099 give ``_80XX``; a lone extension stays itself.
    """
    by_length: dict[int, list[str]] = {}
    for extension in sorted(set(extensions)):
        by_length.setdefault(len(extension), []).append(extension)
    patterns = []
    for length, group in sorted(by_length.items()):
        if len(group) == 1:
            patterns.append(group[0])
            continue
        prefix = _common_prefix(group)
        patterns.append("_" + prefix + "X" * (length - len(prefix)))
    return patterns


def _common_prefix(words: list[str]) -> str:
    first, last = min(words), max(words)
    size = 0
    while size < len(first) and first[size] == last[size]:
        size += 1
    return first[:size]


def _extens(extensions: list[str], body: Callable[[str], str]) -> str:
    return "\n".join(body(pattern) for pattern in seat_patterns(extensions))


def _phone_sections(phone: Phone) -> str:
    ext = phone.extension
    return (
        f"\n; {phone.role} {ext}\n"
        f"[{ext}](seat-endpoint)\nauth = {ext}-auth\naors = {ext}\n"
        f"[{ext}-auth](seat-auth)\nusername = {ext}\npassword = {phone.password}\n"
        f"[{ext}](seat-aor)\n"
    )


def _template(name: str) -> str:
    return resources.files("acd.pbxconf").joinpath("templates", name).read_text("utf-8")
