"""One PBX test stack: real Asterisk, the SIPp carrier, baresip seats, ``callcenter serve``.

A test module builds one and shares it (``PbxStack.module_fixture``): Asterisk
and the phones start in about a second, the ACD in two. Everything lives in a
temporary folder and on the stack's own loopback addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any

import httpx

from callcenter.kernel.auth import Role
from tests.pbx.asterisk import AMI_SECRET, AMI_USER, Asterisk
from tests.pbx.carrier import Carrier
from tests.pbx.net import Loopback, free_port
from tests.pbx.phones import Softphone
from tests.pbx.procs import Child
from tests.pbx.tools import Tools
from tests.pbx.watch import AmiWatch, Api
from tests.staff import DEPLOYMENT_KEYRING, DEPLOYMENT_SECRETS, SignedAt

CALLBACK_SEAT = "8099"
SUPERVISOR_PHONE = "8090"
POLICE = "110"


class PbxStack:
    def __init__(
        self,
        tools: Tools,
        root: Path,
        *,
        phones: dict[str, str],
        settings: dict[str, str] | None = None,
    ) -> None:
        """``phones``: extension → ``auto`` (answers), ``manual`` (lets it ring), ``absent``."""
        self.tools = tools
        self.root = root
        self.net = Loopback.pick()
        self.http_port = free_port("127.0.0.1")
        seats = [ext for ext in phones if ext not in (CALLBACK_SEAT, SUPERVISOR_PHONE)]
        self.database = root / "callcenter.sqlite3"
        hotline = {
            **DEPLOYMENT_SECRETS,  # serve refuses the demo's
            "CALLCENTER_DATABASE_URL": f"sqlite+aiosqlite:///{self.database}",
            "CALLCENTER_DATA_DIR": str(root),
            "CALLCENTER_HTTP_HOST": "127.0.0.1",
            "CALLCENTER_HTTP_PORT": str(self.http_port),
            "CALLCENTER_SEAT_EXTENSIONS": ",".join(seats),
            "CALLCENTER_NORMAL_SEATS": str(len(seats)),
            "CALLCENTER_CALLBACK_SEAT": CALLBACK_SEAT,
            "CALLCENTER_PBX_SUPERVISOR_PHONES": SUPERVISOR_PHONE,
            "CALLCENTER_RING_TIMEOUT": "3",
            "CALLCENTER_WRAPUP_SECONDS": "0",
            "CALLCENTER_QUIET_HOURS": "00:00-00:00",
            "CALLCENTER_CALLBACK_DELAYS": "0,600,7200",
            "CALLCENTER_CRISIS_POLICE_LIAISON_NUMBER": POLICE,
            **(settings or {}),
        }
        # Asterisk's own fallback ring time stays at the default (15 s): the ACD's
        # setting must reach the dialplan on every call, whatever the file says.
        rendered = {k: v for k, v in hotline.items() if k != "CALLCENTER_RING_TIMEOUT"}
        self.asterisk = Asterisk(tools, root, self.net, rendered)
        self.serve_env = hotline
        self.carrier = Carrier(
            tools,
            root,
            host=self.net.carrier,
            port=self.asterisk.carrier_port,
            pbx=self.asterisk.sip_uri,
        )
        self.phone_modes = phones
        self.phones: dict[str, Softphone] = {}
        self.serve: Child | None = None
        self._background: set[asyncio.Task[object]] = set()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self.asterisk.render()
        self.asterisk.start()
        self.carrier.start()
        passwords = self.asterisk.passwords()
        for ext, mode in self.phone_modes.items():
            if mode == "absent":
                continue
            phone = self.phone(ext, password=passwords[ext], answer=mode)
            phone.start()
            self.phones[ext] = phone
        self._spawn_serve()  # it starts up while the phones register
        self.wait_registered(list(self.phones))
        self._wait_serve()

    def phone(self, extension: str, *, password: str, answer: str = "auto") -> Softphone:
        """A softphone for ``extension`` on this stack (not started)."""
        return Softphone(
            self.tools,
            self.root,
            extension=extension,
            password=password,
            registrar=self.asterisk.sip_uri,
            host=self.net.phones,
            answer=answer,
        )

    def stop(self) -> None:
        for part in (self.serve, *self.phones.values(), self.carrier, self.asterisk):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.stop()

    def start_serve(self) -> None:
        self._spawn_serve()
        self._wait_serve()

    def _spawn_serve(self) -> None:
        cli = Path(sys.executable).with_name("callcenter")
        self.serve = Child(
            "callcenter serve",
            [str(cli), "serve"],
            log=self.root / "serve.log",
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": str(self.root),
                **self.asterisk.env,
                **self.serve_env,
            },
        )

    def _wait_serve(self) -> None:
        assert self.serve is not None
        deadline = time.monotonic() + 60  # a loaded 2-core machine needs ~20 s to start it
        while time.monotonic() < deadline:
            assert self.serve.alive, self.serve.tail()
            with contextlib.suppress(httpx.HTTPError):
                health = httpx.get(f"{self.url}/api/health", timeout=2).json()
                if health["ami"]["status"] == "ok":
                    return
            time.sleep(0.2)
        raise AssertionError("callcenter serve did not come up: " + self.serve.tail())

    def restart_serve(self) -> None:
        assert self.serve is not None
        self.serve.stop(grace=10)
        self.start_serve()

    def wait_registered(self, extensions: list[str], within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while True:
            listing = self.asterisk.cli("pjsip show contacts")
            missing = [ext for ext in extensions if not _available(listing, ext)]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"phones {missing} did not register:\n{listing}")
            time.sleep(0.1)

    # -- what tests use ----------------------------------------------------------------------

    def background(self, work: Coroutine[Any, Any, object]) -> asyncio.Task[object]:
        """A call left running in the background (kept, so it is not garbage-collected)."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def ami(self) -> AmiWatch:
        return AmiWatch(self.net.asterisk, self.asterisk.ami_port, AMI_USER, AMI_SECRET)

    @contextlib.asynccontextmanager
    async def api(self) -> AsyncIterator[Api]:
        """The API as the duty supervisor; ``api.acting(...)`` for a counsellor or the admin."""
        database = self.serve_env["CALLCENTER_DATABASE_URL"]  # SQLite unless a test chose
        lead = SignedAt(self.url, database, "pbx-lead", Role.SUPERVISOR)
        async with httpx.AsyncClient(base_url=self.url, timeout=10, auth=lead) as client:
            yield Api(client, database)

    def calls_from(self, number: str) -> list[sqlite3.Row]:
        """The ``calls`` rows of a caller: numbers are sealed, so they are opened here."""
        rows = self.rows("select * from calls order by arrived_at")
        return [r for r in rows if DEPLOYMENT_KEYRING.open(r["caller_number"]).endswith(number)]

    def rows(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        """Read the ACD's database (SQLite) directly."""
        with contextlib.closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)) as db:
            db.row_factory = sqlite3.Row
            return list(db.execute(sql, args))

    def diagnostics(self) -> str:
        parts = [f"--- serve.log\n{self.serve.tail(60) if self.serve else ''}"]
        with contextlib.suppress(OSError):
            log = self.asterisk.messages_log.read_text(errors="replace").splitlines()[-40:]
            parts.append("--- asterisk messages.log\n" + "\n".join(log))
        return "\n".join(parts)


def _available(listing: str, extension: str) -> bool:
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[0] == "Contact:" and fields[1].startswith(f"{extension}/"):
            return "Avail" in fields
    return False


@contextlib.contextmanager
def running(stack: PbxStack) -> Iterator[PbxStack]:
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
