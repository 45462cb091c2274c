"""Settings of the Asterisk beside the ACD, read with the ``CALLCENTER_PBX_`` prefix.

They only shape the rendered configuration (``callcenter asterisk-conf``): where
Asterisk listens, the carrier trunk, the seats' passwords, the supervisors'
phones and the folders Asterisk reads and writes. The ACD itself never reads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from callcenter.kernel.settings import comma_separated

_HOST_PORT = r"^[0-9A-Za-z.:\[\]-]+:\d{1,5}$"


class PbxSettings(BaseSettings):
    """Everything about the PBX that the hotline's own settings do not already say."""

    model_config = SettingsConfigDict(env_prefix="CALLCENTER_PBX_", extra="ignore")

    # Where Asterisk listens for SIP (seats and the carrier) and its RTP port range.
    sip_bind: str = Field(default="0.0.0.0:5060", pattern=_HOST_PORT)
    rtp_ports: str = Field(default="10000-20000", pattern=r"^\d{4,5}-\d{4,5}$")
    # The carrier: 12355 arrives from it, callbacks and police lines leave through it.
    trunk: str = Field(default="carrier.invalid:5060", pattern=_HOST_PORT)
    # Key every seat's own SIP password is derived from (never one shared password).
    seat_key: SecretStr | None = None
    # Supervisors' desk phones (listen-in rings them); never in the inbound rotation.
    supervisor_phones: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["8090", "8091"]
    )
    # How often Asterisk asks each phone whether it is still there (a frozen phone is
    # marked unreachable within this plus the qualify timeout).
    qualify_seconds: int = Field(default=15, ge=1, le=3600)
    # Which addresses may log in to AMI (address/mask, as manager.conf's permit=).
    ami_permit: str = Field(default="127.0.0.1/255.255.255.255", pattern=r"^[\d.]+/[\d.]+$")
    system_name: str = Field(default="pbx", pattern=r"^[A-Za-z0-9_]{1,32}$")
    # Where the Asterisk build lives (its modules and documentation), and the system
    # sounds and music on hold (Debian's asterisk-core-sounds-* / asterisk-moh-opsound-wav).
    asterisk_prefix: Path = Path("/opt/asterisk")
    sounds_dir: Path = Path("/usr/share/asterisk/sounds")
    moh_dir: Path = Path("/usr/share/asterisk/moh")
    # Asterisk's own data folder (documentation, sounds, the hotline's prompts); by
    # default ``data/`` beside the rendered files.
    data_dir: Path | None = None
    # Root of the folders Asterisk writes: <var_dir>/lib/asterisk, run/asterisk, ...
    var_dir: Path = Path("/var")
    # The hotline's own recordings: a file here replaces the bundled prompt of that name.
    prompts_dir: Path | None = None

    @field_validator("supervisor_phones", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return comma_separated(value)

    @field_validator("supervisor_phones")
    @classmethod
    def _digits(cls, value: list[str]) -> list[str]:
        bad = [phone for phone in value if not phone.isdigit()]
        if bad:
            raise ValueError(f"supervisor phones must be digits, got {bad}")
        return value

    @field_validator("rtp_ports")
    @classmethod
    def _ordered(cls, value: str) -> str:
        low, high = (int(part) for part in value.split("-"))
        if not 1024 <= low < high <= 65535:
            raise ValueError(f"RTP ports must be a range within 1024-65535, got {value}")
        return value

    @property
    def trunk_host(self) -> str:
        return self.trunk.rsplit(":", 1)[0]

    @property
    def sip_host(self) -> str:
        return self.sip_bind.rsplit(":", 1)[0]

    @property
    def sip_port(self) -> int:
        return int(self.sip_bind.rsplit(":", 1)[1])
