"""The HTTP server of ``serve`` and ``demo``, and how SIGTERM / Ctrl-C stop them cleanly.

uvicorn's own signal handling re-raises the signal once its server has stopped,
which would kill the process before the system behind it has handed over the
lease, finished its writes and logged off AMI. Here the signal only asks the
server to stop; the caller then stops the system in order, within the grace
period, and the process exits normally.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Generator
from typing import Any

import uvicorn

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class HttpServer(uvicorn.Server):
    """A uvicorn server that leaves the signals to ``stop_on_signals``, and wakes once a
    second (uvicorn's own loop wakes ten times a second to see whether to stop; here
    asking it to stop wakes it at once)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    @property
    def should_exit(self) -> bool:
        return self._should_exit

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        self._should_exit = value
        if value:
            self._stop_asked.set()

    @property
    def _stop_asked(self) -> asyncio.Event:
        event: asyncio.Event | None = self.__dict__.get("_stop_event")
        if event is None:
            event = self.__dict__["_stop_event"] = asyncio.Event()
        return event

    async def main_loop(self) -> None:
        ticks = 0  # on_tick refreshes the Date header when ticks % 10 == 0
        should_exit = await self.on_tick(ticks)
        while not should_exit:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._stop_asked.wait()
            ticks = (ticks + 10) % 864000
            should_exit = await self.on_tick(ticks)


def http_server(app: Any, host: str, port: int) -> HttpServer:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        log_level="warning",
        # Open WebSockets (wallboards) must not hold the exit: they reconnect elsewhere.
        timeout_graceful_shutdown=1,
    )
    return HttpServer(config)


def stop_on_signals(server: uvicorn.Server) -> None:
    """SIGTERM or Ctrl-C: stop serving; a second one stops at once."""
    loop = asyncio.get_running_loop()

    def ask(sig: signal.Signals) -> None:
        if server.should_exit:
            server.force_exit = True
        log.warning("%s: stopping", sig.name)
        server.should_exit = True

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, ask, sig)
