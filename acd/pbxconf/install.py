"""Writes the rendered configuration to a folder and makes it runnable there.

The shell around ``render``: the files (secrets readable by their owner only),
``phones.csv`` for provisioning the phones, Asterisk's data folder (links to the
build's documentation and the system sounds, the hotline's prompts) and the
folders Asterisk writes to.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from acd.pbxconf.prompts import install_prompts
from acd.pbxconf.render import Layout, phones, render
from acd.pbxconf.settings import PbxSettings
from callcenter.kernel.settings import Settings

SECRET_FILES = frozenset({"pjsip.conf", "manager.conf", "phones.csv"})
WRITABLE = ("lib/asterisk", "spool/asterisk", "run/asterisk", "log/asterisk", "cache/asterisk")


class ConfigError(Exception):
    """The configuration cannot be written as asked; the message says which setting."""


def check_deployable(settings: Settings, pbx: PbxSettings) -> None:
    if pbx.seat_key is None or not pbx.seat_key.get_secret_value():
        raise ConfigError(
            "CALLCENTER_PBX_SEAT_KEY is not set: every phone gets its own password "
            "derived from it (use a long random string and keep it secret)"
        )
    if settings.ami_secret == Settings.model_fields["ami_secret"].default:
        raise ConfigError("CALLCENTER_AMI_SECRET is still the default: set a secret of your own")


def write_config(out: Path, settings: Settings, pbx: PbxSettings) -> list[Path]:
    """Render into ``out``; returns the files written."""
    check_deployable(settings, pbx)
    out.mkdir(parents=True, exist_ok=True)
    layout = Layout.for_output(out, pbx)
    files = render(settings, pbx, layout)
    files["phones.csv"] = _phones_csv(settings, pbx)
    written = [_write(out / name, text) for name, text in sorted(files.items())]
    written += _data_folder(layout.data_dir, pbx)
    _writable_folders(layout.var_dir)
    return written


def _write(path: Path, text: str) -> Path:
    mode = 0o600 if path.name in SECRET_FILES else 0o644
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def _phones_csv(settings: Settings, pbx: PbxSettings) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["extension", "role", "username", "password", "registrar"])
    for phone in phones(settings, pbx):
        registrar = f"sip:{pbx.sip_host}:{pbx.sip_port}"
        writer.writerow([phone.extension, phone.role, phone.extension, phone.password, registrar])
    return buffer.getvalue()


def _data_folder(data: Path, pbx: PbxSettings) -> list[Path]:
    """documentation/ (Asterisk will not start without it), sounds/ with the prompts."""
    sounds = data / "sounds"
    sounds.mkdir(parents=True, exist_ok=True)
    _link(data / "documentation", pbx.asterisk_prefix / "var/lib/asterisk/documentation")
    if pbx.sounds_dir.is_dir():
        for entry in pbx.sounds_dir.iterdir():
            if entry.name != "custom":
                _link(sounds / entry.name, entry)
    return install_prompts(sounds, pbx.prompts_dir)


def _link(link: Path, target: Path) -> None:
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return
    if link.is_symlink():
        link.unlink()
    elif link.exists():
        return  # a real folder someone put there: theirs, not ours to replace
    link.symlink_to(target)


def _writable_folders(var: Path) -> None:
    for sub in WRITABLE:
        try:
            (var / sub).mkdir(parents=True, exist_ok=True)
        except PermissionError as exc:
            raise ConfigError(
                f"cannot create {var / sub} ({exc.strerror}): run as the Asterisk user "
                "or set CALLCENTER_PBX_VAR_DIR"
            ) from exc
