"""The ACD's one connection to Asterisk: login, keep-alive, reconnect, resync, backpressure.

The reconnect loop is ours (panoramisk's Manager never stores its retry handle,
so close() cannot stop it, and it retries a refused login every 2 s forever).
Every action has a timeout and is never re-sent after a reconnect: its caller
gets AmiNotConnected and decides. Events go to one bounded queue in wire order
(acd.ami.delivery: backpressure instead of loss).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import UTC, datetime
from typing import Any

from panoramisk.actions import Action

from acd.ami.backoff import Backoff
from acd.ami.contacts import list_contacts
from acd.ami.delivery import EventDelivery
from acd.ami.messages import (
    AmiActionError,
    AmiAuthError,
    AmiConfig,
    AmiError,
    AmiEvent,
    AmiFenced,
    AmiNotConnected,
    AmiReply,
    AmiTimeout,
    LinkStatus,
    ResyncSnapshot,
)
from acd.ami.protocol import AmiProtocol

log = logging.getLogger(__name__)

LoginHook = Callable[["AmiLink"], Awaitable[None]]
# Actions that change nothing in Asterisk: a standby (or a fenced active) may still send them.
READ_ONLY_ACTIONS = frozenset(
    {"login", "logoff", "ping", "coreshowchannels", "pjsipshowcontacts", "devicestatelist",
     "status", "getvar", "corestatus"}
)  # fmt: skip


class AmiLink:
    def __init__(self, config: AmiConfig, *, on_login: LoginHook | None = None) -> None:
        self.config = config
        self._delivery = EventDelivery(config.queue_size)
        self.events: asyncio.Queue[AmiEvent] = self._delivery.queue
        self._on_login = on_login
        # Whether this process may change anything in Asterisk now (the active ACD's
        # fence); None: always. The one place every Redirect, Originate, Hangup passes.
        self.gate: Callable[[], bool] | None = None
        # The ACD takes each event as soon as it is read when nothing waits ahead of it in
        # the queue: no loop round trip between the socket and the routing decision.
        self.direct: Callable[[AmiEvent], None] | None = None
        self.fenced_actions = 0
        self._backoff = Backoff(config.backoff_initial, config.backoff_max)
        self._protocol: AmiProtocol | None = None
        self._runner: asyncio.Task[None] | None = None
        self._logged_in = asyncio.Event()
        self._new_login = asyncio.Event()  # set, then replaced, at each login
        self._resynced = False  # this session's snapshot went out (GET /api/ready)
        self._booted = asyncio.Event()  # this session saw FullyBooted
        self._closing = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._resync_id = ""
        self._since: datetime | None = None
        self._sessions = 0
        self._last_error: str | None = None
        self._events_in = 0
        self._auth_failures = 0
        self._ping_timeouts = 0
        self._garbage_frames = 0
        self._resync_count = 0

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._runner is None:
            self._closing = False
            self._runner = asyncio.create_task(self._run(), name="ami-link")

    async def wait_logged_in(self, timeout: float) -> None:  # noqa: ASYNC109 (public API)
        try:
            await asyncio.wait_for(self._logged_in.wait(), timeout)
        except TimeoutError:
            raise AmiTimeout(f"not logged in to {self._where} within {timeout}s") from None

    async def next_login(self) -> None:
        """Returns at the next login (a new AMI session), not for the current one."""
        await self._new_login.wait()

    async def close(self) -> None:
        """Log off (when logged in) and stop; nothing reconnects afterwards."""
        self._closing = True
        await self._logoff()
        self._logged_in.clear()
        pending = [t for t in (self._runner, *self._tasks) if t is not None]
        for task in pending:
            task.cancel()
        if self._protocol is not None:
            self._protocol.close()
        await asyncio.gather(*pending, return_exceptions=True)
        await self._delivery.close()
        self._runner = None

    async def _logoff(self) -> None:
        protocol = self._protocol
        if protocol is None or protocol.closed or not self._logged_in.is_set():
            return
        with contextlib.suppress(AmiError, OSError):
            await self._request(protocol, {"Action": "Logoff"}, False, 1.0)

    async def resync(self) -> None:
        """List what is up now and queue it in the event stream (a standby taking over)."""
        if self._logged_in.is_set():
            await self._resync()

    @property
    def status(self) -> LinkStatus:
        protocol = self._protocol
        return LinkStatus(
            connected=protocol is not None and not protocol.closed,
            logged_in=self._logged_in.is_set(),
            resynced=self._resynced and self._logged_in.is_set(),
            since=self._since,
            reconnects=max(0, self._sessions - 1),
            last_error=self._last_error,
            events_in=self._events_in,
            queue_depth=self.events.qsize(),
            backpressure_pauses=self._delivery.pauses,
            overflow_depth=self._delivery.overflow_depth,
            auth_failures=self._auth_failures,
            ping_timeouts=self._ping_timeouts,
            garbage_frames=self._garbage_frames,
        )

    # -- actions -----------------------------------------------------------------------------

    async def send(self, action: Mapping[str, Any], *, as_list: bool | None = None) -> AmiReply:
        protocol = self._ready_protocol(action)
        return await self._request(protocol, action, as_list, self.config.action_timeout)

    def send_nowait(self, action: Mapping[str, Any]) -> asyncio.Task[AmiReply]:
        """Write the action now; the returned task completes with the reply (failures logged)."""
        return self.send_together_nowait([action])[0]

    def send_together_nowait(
        self, actions: list[Mapping[str, Any]]
    ) -> list[asyncio.Task[AmiReply]]:
        """Write the actions now, in order and in one write; one task per reply."""
        coros: list[Coroutine[Any, Any, AmiReply]]
        try:
            protocol = self._ready_protocol_for(actions)
            futures = protocol.send_together([_prepared(action) for action in actions])
            coros = [
                self._await_reply(protocol, action, future, self.config.action_timeout)
                for action, future in zip(actions, futures, strict=True)
            ]
        except AmiNotConnected as exc:
            coros = [_raise(exc) for _ in actions]
        tasks = [asyncio.create_task(coro) for coro in coros]
        for task in tasks:
            task.add_done_callback(_log_failure)
        return tasks

    def _ready_protocol_for(self, actions: list[Mapping[str, Any]]) -> AmiProtocol:
        protocol = self._ready_protocol(actions[0])
        for action in actions[1:]:
            self._ready_protocol(action)  # the gate looks at every one of them
        return protocol

    async def originate(
        self,
        *,
        channel: str,
        channel_id: str,
        context: str | None = None,
        exten: str | None = None,
        priority: int = 1,
        application: str | None = None,
        data: str | None = None,
        caller_id: str | None = None,
        variables: Mapping[str, str] | None = None,
        timeout_ms: int = 30000,
    ) -> AmiReply:
        """Queue a call; the outcome arrives later as an OriginateResponse on ``events``.

        ``Async: true`` (panoramisk crashes without it) and a ``ChannelId`` (Asterisk
        refuses a second channel with the same id, so a retry cannot dial twice).
        """
        action: dict[str, Any] = {"Action": "Originate", "Channel": channel}
        if application is not None:
            action["Application"] = application
            if data is not None:
                action["Data"] = data
        else:
            if context is None or exten is None:
                raise ValueError("originate needs context+exten or application")
            action.update(Context=context, Exten=exten, Priority=str(priority))
        if caller_id is not None:
            action["CallerID"] = caller_id
        if variables:
            action["Variable"] = [f"{key}={value}" for key, value in variables.items()]
        action.update(Timeout=str(timeout_ms), ChannelId=channel_id, Async="true")
        # as_list=False: the reply completes on "successfully queued", so the
        # OriginateResponse (same ActionID) is left for the event queue.
        return await self._request(
            self._ready_protocol(action), action, False, self.config.action_timeout
        )

    def _ready_protocol(self, action: Mapping[str, Any]) -> AmiProtocol:
        protocol = self._protocol
        if protocol is None or protocol.closed or not self._logged_in.is_set():
            raise AmiNotConnected(f"AMI link to {self._where} is not logged in")
        name = str(action.get("Action", "")).lower()
        if self.gate is not None and name not in READ_ONLY_ACTIONS and not self.gate():
            self.fenced_actions += 1
            raise AmiFenced(f"{action.get('Action')} not sent: this ACD is not active")
        return protocol

    async def _request(
        self,
        protocol: AmiProtocol,
        action: Mapping[str, Any],
        as_list: bool | None,
        seconds: float,
    ) -> AmiReply:
        future = _submit(protocol, action, as_list)
        return await self._await_reply(protocol, action, future, seconds)

    async def _await_reply(
        self,
        protocol: AmiProtocol,
        action: Mapping[str, Any],
        future: asyncio.Future[Any],
        seconds: float,
    ) -> AmiReply:
        name = str(action.get("Action", "?"))
        try:
            async with asyncio.timeout(seconds):  # not wait_for: it can swallow a cancel
                result = await future
        except TimeoutError:
            for action_id, pending in list(protocol.responses.items()):
                if pending.future is future:
                    protocol.forget(action_id)
            raise AmiTimeout(f"{name}: no reply within {seconds}s") from None
        reply = _to_reply(result)
        if reply.response.text("Response") in ("Error", "Failure", "Fail"):
            raise AmiActionError(name, reply.message)
        return reply

    # -- the connect / reconnect loop --------------------------------------------------------

    @property
    def _where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    async def _run(self) -> None:
        while not self._closing:
            try:
                await self._session()
            except AmiAuthError as exc:
                self._auth_failures += 1
                self._last_error = str(exc)
                if self._auth_failures == 1:
                    log.error("%s; retrying with backoff up to %.0fs", exc, self.config.backoff_max)
                else:
                    log.debug("%s (attempt %d)", exc, self._auth_failures)
            except (OSError, AmiTimeout, AmiNotConnected, AmiActionError) as exc:
                self._down(f"{type(exc).__name__}: {exc}")
            except Exception as exc:  # a bug must not end the reconnect loop for good
                log.exception("AMI session to %s failed unexpectedly", self._where)
                self._down(f"{type(exc).__name__}: {exc}")
            if self._closing:
                break
            delay = self._backoff.next_delay()
            log.debug("AMI reconnect to %s in %.2fs", self._where, delay)
            await asyncio.sleep(delay)

    def _down(self, error: str) -> None:
        # One warning per kind of failure, not one per retry of a long outage.
        level = logging.DEBUG if error == self._last_error else logging.WARNING
        log.log(level, "AMI link to %s down: %s", self._where, error)
        self._last_error = error

    async def _session(self) -> None:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(self.config.action_timeout):
            _, protocol = await loop.create_connection(
                lambda: AmiProtocol(self), self.config.host, self.config.port
            )
        self._protocol = protocol
        self._booted.clear()
        try:
            await self._login(protocol)
            self._auth_failures = 0
            self._sessions += 1
            self._since = datetime.now(UTC)
            self._logged_in.set()
            self._new_login.set()
            self._new_login = asyncio.Event()
            log.info("AMI logged in to %s as %s", self._where, self.config.username)
            self._spawn(self._after_login())
            await self._keep_alive(protocol)
        finally:
            self._logged_in.clear()
            self._resynced = False
            protocol.close()
            for task in list(self._tasks):
                task.cancel()

    async def _login(self, protocol: AmiProtocol) -> None:
        action = {
            "Action": "Login",
            "Username": self.config.username,
            "Secret": self.config.secret,
            "Events": "on",
        }
        # Asterisk sleeps 1 s before refusing a login: allow for it.
        try:
            await self._request(protocol, action, False, self.config.action_timeout + 1.0)
        except AmiActionError as exc:
            raise AmiAuthError(
                f"AMI login to {self._where} as user {self.config.username!r} refused: "
                f"{exc.message or 'no reason given'}"
            ) from None

    async def _keep_alive(self, protocol: AmiProtocol) -> None:
        """Ping until the connection is lost; a missing Pong means a half-open socket."""
        while True:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.config.ping_interval):
                    await asyncio.shield(protocol.lost)
            if protocol.lost.done():
                raise AmiNotConnected("connection closed by the server")
            if self._delivery.is_paused(protocol):
                continue  # replies cannot be read while the consumer is behind
            try:
                await self._request(protocol, {"Action": "Ping"}, False, self.config.ping_timeout)
            except AmiTimeout:
                self._ping_timeouts += 1
                if self._delivery.is_paused(protocol):
                    continue
                raise AmiTimeout(
                    f"no Pong within {self.config.ping_timeout}s (half-open connection)"
                ) from None

    async def _after_login(self) -> None:
        try:
            await self._until_booted()
            await self._resync()
        except AmiActionError as exc:  # the server lacks the action: go on without a snapshot
            log.error("AMI resync after login refused: %s", exc)
        except (AmiTimeout, AmiNotConnected) as exc:
            log.warning("AMI resync after login failed: %s", exc)
            protocol = self._protocol
            if protocol is not None:
                protocol.close()  # events were lost and not recovered: start over
            return
        self._resynced = True
        self._backoff.reset()  # only a link that could also resync counts as healthy
        if self._on_login is not None:
            try:
                await self._on_login(self)
            except Exception:
                log.exception("AMI on_login hook failed")

    async def _until_booted(self) -> None:
        """A restarted Asterisk answers logins before res_pjsip is loaded, and would
        refuse PJSIPShowContacts as an unknown command: wait for FullyBooted first."""
        try:
            async with asyncio.timeout(self.config.boot_wait):
                await self._booted.wait()
        except TimeoutError:
            log.warning("no FullyBooted from %s in %.0fs; resyncing anyway",
                        self._where, self.config.boot_wait)  # fmt: skip

    async def _resync(self) -> None:
        """List what is up and queue it as a ResyncSnapshot at its place in the stream.

        Events received after the listing began are newer than the snapshot: they
        are held back and queued after it, so the tracker never sees a stale
        snapshot overrule a newer event.
        """
        self._resync_count += 1
        self._resync_id = f"resync/{id(self):x}/{self._resync_count}"
        snapshot = None
        try:
            channels = await self.send(
                {"Action": "CoreShowChannels", "ActionID": self._resync_id}, as_list=True
            )
            snapshot = ResyncSnapshot(
                channels=tuple(i for i in channels.items if i.name == "CoreShowChannel"),
                contacts=await list_contacts(self.send, self.config.username),
                received_at=datetime.now(UTC),
            )
        finally:
            self._resync_id = ""
            self._delivery.release(snapshot, self._protocol)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- LinkSink: called by the protocol ----------------------------------------------------

    def on_event(self, event: AmiEvent) -> None:
        self._events_in += 1
        direct = self.direct
        if direct is not None and self._delivery.empty:
            direct(event)
        else:
            self._delivery.put(event, self._protocol)
        if event.name == "FullyBooted":
            self._booted.set()
        elif event.name == "Shutdown":
            log.warning("Asterisk at %s is shutting down", self._where)
            protocol = self._protocol
            if protocol is not None:
                protocol.close()

    def on_garbage(self) -> None:
        self._garbage_frames += 1

    def on_first_reply(self, action_id: str) -> None:
        if action_id == self._resync_id:
            self._delivery.hold()

    def on_connection_lost(self, protocol: AmiProtocol, exc: Exception | None) -> None:
        if exc is not None:
            self._last_error = f"{type(exc).__name__}: {exc}"


def _submit(protocol: AmiProtocol, action: Mapping[str, Any], as_list: bool | None) -> Any:
    headers = dict(action)
    if str(headers.get("Action", "")).lower() == "originate":
        # panoramisk 1.4 crashes the connection on an Originate reply without Async.
        headers.setdefault("Async", "true")
        if as_list is None:
            as_list = False  # leave the OriginateResponse to the event queue
    return protocol.send(headers, as_list=as_list)


def _prepared(action: Mapping[str, Any]) -> Any:
    """What ``_submit`` would send with ``as_list=None``, as a panoramisk Action."""
    headers = dict(action)
    as_list = None
    if str(headers.get("Action", "")).lower() == "originate":
        headers.setdefault("Async", "true")
        as_list = False
    prepared = Action(headers, as_list=as_list)
    prepared.as_list = as_list
    return prepared


def _to_reply(result: Any) -> AmiReply:
    messages = result if isinstance(result, list) else [result]
    converted = [AmiEvent({key: message[key] for key in message}) for message in messages]
    return AmiReply(response=converted[0], items=tuple(converted[1:]))


async def _raise(exc: Exception) -> AmiReply:
    raise exc


def _log_failure(task: asyncio.Task[AmiReply]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("AMI action failed: %s", task.exception())
