"""Runtime settings, read from the environment with the ``CALLCENTER_`` prefix."""

from __future__ import annotations

from datetime import time
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SEATS = [str(n) for n in range(8001, 8021)]
DEFAULT_DATA_DIR = Path("/var/lib/callcenter")

# Demo-only secrets: ``callcenter serve`` refuses to start with any of them (or an
# empty one) and names the setting; ``callcenter demo`` runs on them.
DEMO_AMI_SECRET = "acd-secret"
DEMO_TOKEN_SECRET = "demo-token-secret-do-not-deploy-0000000000"
# AES-256 key (base64 of 32 bytes), id "demo"; and the HMAC key for look-ups by number.
DEMO_ENCRYPTION_KEYS = "demo:ZGVtby1rZXktZG8tbm90LWRlcGxveS0wMDAwMDAwMDA="
DEMO_LOOKUP_KEY = "demo-lookup-key-do-not-deploy-000000000000"


class Settings(BaseSettings):
    """Everything an operator may set. An invalid value stops start-up with its name."""

    model_config = SettingsConfigDict(env_prefix="CALLCENTER_", extra="ignore")

    # Every file the service writes (journal, dead letters, exports, the embedded SQLite
    # database) lives under this one folder; start-up refuses one it cannot write.
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""  # default: SQLite in data_dir
    redis_url: str | None = None
    log_format: Literal["console", "json"] = "console"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    ami_host: str = "127.0.0.1"
    ami_port: int = Field(default=5038, ge=1, le=65535)
    ami_username: str = "acd"
    ami_secret: str = DEMO_AMI_SECRET
    ami_action_timeout: float = Field(default=5.0, gt=0)
    ami_ping_interval: float = Field(default=10.0, gt=0)

    # Active/standby: with ``ha`` on, processes of one hotline share a lease in the
    # database and only its holder acts (acd/README.md). ``node_id`` must differ
    # between them and stay the same across a restart (default: host name and HTTP port).
    ha: bool = False
    node_id: str = ""
    lease_ttl: float = Field(default=3.0, ge=0.5, le=60)
    shutdown_grace: float = Field(default=8.0, gt=0, le=60)  # SIGTERM to exit, at most

    # The fail-safe fallback (asterisk-conf/README.md): the active ACD stamps a global
    # variable in Asterisk every ``heartbeat_seconds``; once it is older than
    # ``fallback_after`` the dialplan sends callers to app_queue instead of waiting for
    # the ACD. ``fallback_after`` must leave a standby time to take over first (checked
    # below); waiting callers look again every ``fallback_check_seconds``.
    heartbeat_seconds: float = Field(default=2.0, ge=0.2, le=60)
    fallback_after: int = Field(default=30, ge=2, le=3600)
    fallback_check_seconds: int = Field(default=3, ge=1, le=60)

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)

    timezone: str = "Asia/Shanghai"
    hotline_number: str = "12355"
    hotline_id: str = "12355"

    seat_extensions: Annotated[list[str], NoDecode] = Field(default_factory=lambda: DEFAULT_SEATS)
    normal_seats: int = Field(default=8, ge=1, le=20)
    callback_seat: str = "8099"
    ring_timeout: float = Field(default=15.0, gt=0)
    max_wait: float = Field(default=120.0, gt=0)
    max_queue: int = Field(default=50, ge=1)
    wrapup_seconds: float = Field(default=60.0, ge=0)
    wrapup_high_risk_seconds: float = Field(default=180.0, ge=0)
    open_hours: str = Field(default="00:00-24:00", pattern=r"^\d\d:\d\d-\d\d:\d\d$")
    quiet_hours: str = Field(default="22:00-08:00", pattern=r"^\d\d:\d\d-\d\d:\d\d$")
    # Seconds from a missed call to callback attempt 1, then between failed attempts.
    callback_delays: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [300.0, 1800.0, 7200.0]
    )

    # -- accounts and sign-in ------------------------------------------------------------
    auth_mode: Literal["local", "proxy"] = "local"
    # single sign-on: identity headers count only from these addresses, with the secret
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    proxy_secret: str = ""
    token_secret: str = DEMO_TOKEN_SECRET  # signs API access tokens (HS256)
    access_token_minutes: float = Field(default=15, gt=0, le=60)
    refresh_token_days: float = Field(default=14, gt=0)
    session_hours: float = Field(default=12, gt=0)  # a browser session's whole life
    session_recheck_seconds: float = Field(default=5.0, gt=0)  # live sockets re-check
    cookie_secure: bool | None = None  # None: Secure exactly when served over HTTPS
    # argon2id cost; tests lower it (CALLCENTER_ARGON2_MEMORY_KIB), production keeps it
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    login_max_failures: int = Field(default=5, ge=1)  # per account, within the window
    login_address_max_failures: int = Field(default=20, ge=1)  # per client address
    login_window_seconds: float = Field(default=900, gt=0)
    login_lockout_seconds: float = Field(default=900, gt=0)
    metrics_token: str | None = None  # Prometheus' bearer token for /metrics

    # -- privacy at rest ---------------------------------------------------------------
    # "id:base64key,id2:base64key": the first encrypts, every one decrypts (rotation)
    encryption_keys: str = DEMO_ENCRYPTION_KEYS
    lookup_key: str = DEMO_LOOKUP_KEY  # keyed HMAC for look-ups by caller number
    retention_days: int = Field(default=365, ge=30)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ip_network(entry, strict=False)
            except ValueError as exc:
                raise ValueError(f"not an address or network: {entry!r}") from exc
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("seat_extensions", "callback_delays", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return comma_separated(value)

    @field_validator("seat_extensions")
    @classmethod
    def _seats_are_extensions(cls, value: list[str]) -> list[str]:
        bad = [seat for seat in value if not seat.isdigit()]
        if bad:
            raise ValueError(f"seat extensions must be digits, got {bad}")
        if not value:
            raise ValueError("at least one seat extension is needed")
        return value

    @field_validator("callback_delays")
    @classmethod
    def _delays(cls, value: list[float]) -> list[float]:
        if not value:
            raise ValueError("at least one callback attempt is needed")
        if any(delay < 0 for delay in value):
            raise ValueError(f"callback delays cannot be negative, got {value}")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite://") and not value.startswith("sqlite+aiosqlite://"):
            return "sqlite+aiosqlite://" + value.split("://", 1)[1]
        return value

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @model_validator(mode="after")
    def _fallback_after_takeover(self) -> Settings:
        least = fallback_floor(self.lease_ttl, self.heartbeat_seconds)
        if self.fallback_after < least:
            raise ValueError(
                f"fallback_after ({self.fallback_after}s) must be at least {least:g}s: "
                f"a standby needs up to {1.25 * self.lease_ttl:g}s (lease_ttl) to take over "
                f"and {self.heartbeat_seconds:g}s to stamp its first heartbeat, twice over, "
                "before callers are sent to the fallback queue"
            )
        return self

    @model_validator(mode="after")
    def _database_in_data_dir(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'callcenter.sqlite3'}"
        return self

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "journal.jsonl"

    @property
    def dead_letter_path(self) -> Path:
        return self.data_dir / "journal.dead.jsonl"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def open_window(self) -> tuple[time, time]:
        return parse_window(self.open_hours)

    @property
    def quiet_window(self) -> tuple[time, time]:
        return parse_window(self.quiet_hours)


def fallback_floor(lease_ttl: float, heartbeat_seconds: float) -> float:
    """The least ``fallback_after`` that lets a standby take over before the fallback.

    The old active's last heartbeat may be one interval old when it dies; its lease
    expires ``lease_ttl`` after its last renewal; the standby tries every quarter ttl and
    stamps its first heartbeat at once. Twice that, plus a second for the dialplan's
    whole-second ``EPOCH``, so a slow takeover still wins.
    """
    return 2 * (1.25 * lease_ttl + heartbeat_seconds) + 1


def comma_separated(value: object) -> object:
    """``"8001, 8002"`` from the environment → ``["8001", "8002"]``; a list stays a list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def parse_window(text: str) -> tuple[time, time]:
    """``"22:00-08:00"`` → (22:00, 08:00); ``24:00`` means the end of the day."""
    start, end = text.split("-")
    return _clock(start), _clock(end)


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    return time(hours, minutes)
