"""What crosses the AMI link's boundary: configuration, received messages, replies, errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

HeaderValue = str | list[str]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class AmiConfig:
    host: str
    port: int
    username: str
    secret: str
    action_timeout: float = 5.0
    ping_interval: float = 10.0
    ping_timeout: float = 5.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    queue_size: int = 10_000
    # Asterisk takes logins while it is still loading modules: the resync waits for
    # FullyBooted (sent at once to a login once it has booted) at most this long.
    boot_wait: float = 15.0

    def __repr__(self) -> str:  # the secret never reaches a log line
        return f"AmiConfig(host={self.host!r}, port={self.port}, username={self.username!r})"


class AmiEvent(dict[str, HeaderValue]):
    """One AMI message as header → value (a repeated header gives a list), in wire order.

    Header names keep Asterisk's spelling (``Linkedid``, ``DestChannel``); the
    lookup is case-sensitive, which is what makes parsing cheap.
    """

    __slots__ = ("received_at",)

    def __init__(
        self, headers: Mapping[str, HeaderValue] = {}, received_at: datetime = _EPOCH
    ) -> None:
        super().__init__(headers)
        self.received_at = received_at

    @property
    def name(self) -> str:
        value = self.get("Event", "")
        return value if isinstance(value, str) else value[0]

    def text(self, key: str) -> str:
        """The header as one string ('' when absent; the first value when repeated)."""
        value = self.get(key, "")
        return value if isinstance(value, str) else (value[0] if value else "")


RESYNC_EVENT = "ResyncSnapshot"


class ResyncSnapshot(AmiEvent):
    """Synthetic event put on the queue after every login: what is up right now.

    ``channels`` are the CoreShowChannel items, ``contacts`` the PJSIP ContactList
    items, or None when Asterisk refused to list them (then registrations are not
    resynced at all: an empty list would mean "no phone is registered").
    Events before it on the queue are older than the snapshot, events after it newer.
    """

    __slots__ = ("channels", "contacts")

    def __init__(
        self,
        channels: tuple[AmiEvent, ...],
        contacts: tuple[AmiEvent, ...] | None,
        received_at: datetime,
    ) -> None:
        super().__init__({"Event": RESYNC_EVENT}, received_at)
        self.channels = channels
        self.contacts = contacts


@dataclass(frozen=True)
class AmiReply:
    """The reply to one action: the Response message and, for list actions, the items."""

    response: AmiEvent
    items: tuple[AmiEvent, ...] = ()

    @property
    def message(self) -> str:
        return self.response.text("Message")

    @property
    def ok(self) -> bool:
        return self.response.text("Response") in ("Success", "Follows", "Goodbye")


class AmiError(Exception):
    """Base of the link's errors."""


class AmiActionError(AmiError):
    """Asterisk answered ``Response: Error``; ``message`` is its Message header."""

    def __init__(self, action: str, message: str) -> None:
        super().__init__(f"{action} failed: {message}")
        self.action = action
        self.message = message


class AmiTimeout(AmiError):
    """No (complete) reply within the action timeout."""


class AmiNotConnected(AmiError):
    """The link is not logged in, or the connection dropped before the reply came."""


class AmiFenced(AmiNotConnected):
    """This process is not the active ACD (or its lease may have lapsed): it must not act."""


class AmiAuthError(AmiError):
    """Asterisk refused the login."""


@dataclass(frozen=True)
class LinkStatus:
    """A snapshot of the link's health, for GET /api/health and the metrics."""

    connected: bool
    logged_in: bool
    since: datetime | None
    reconnects: int
    last_error: str | None
    events_in: int
    queue_depth: int
    backpressure_pauses: int
    overflow_depth: int
    auth_failures: int
    ping_timeouts: int
    garbage_frames: int
