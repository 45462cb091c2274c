"""``callcenter check``'s local checks, each passing and failing against real servers.

The PBX checks (AMI login, permissions, dialplan, seats) and a whole healthy
run are in tests/pbx/test_check.py, against the real Asterisk.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.app.check import local, secrets
from callcenter.kernel.db import make_engine
from callcenter.kernel.migrations import upgrade_to_head
from callcenter.kernel.settings import Settings
from crisis.settings import CrisisSettings
from tests.staff import DEPLOYMENT_SECRETS

DEAD_PORT = "127.0.0.1:1"  # nothing listens on port 1


def test_settings_with_a_demo_or_missing_secret_fail() -> None:
    own = {k.removeprefix("CALLCENTER_").lower(): v for k, v in DEPLOYMENT_SECRETS.items()}
    good = Settings(ami_secret="a-long-random-secret", **own)  # type: ignore[arg-type]
    hook = CrisisSettings(webhook_url="https://hook.example", webhook_secret="x" * 32)
    assert secrets(good, hook).ok
    bad = secrets(Settings(), CrisisSettings(webhook_url="https://h.example"))
    assert not bad.ok
    for name in ("AMI_SECRET", "TOKEN_SECRET", "ENCRYPTION_KEYS", "LOOKUP_KEY", "WEBHOOK_SECRET"):
        assert name in bad.detail, name


async def test_the_database_must_answer_and_be_at_the_newest_schema(
    empty_database_url: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=empty_database_url, data_dir=tmp_path)
    stale = await local.database(settings)
    assert not stale.ok and "empty schema" in stale.detail
    assert "callcenter db upgrade" in stale.fix
    engine = make_engine(empty_database_url)
    await upgrade_to_head(engine)
    await engine.dispose()
    assert (await local.database(settings)).ok
    down = Settings(database_url=f"postgresql+asyncpg://postgres@{DEAD_PORT}/x", data_dir=tmp_path)
    unreachable = await local.database(down)
    assert not unreachable.ok and "cannot connect" in unreachable.detail


async def test_redis_must_answer_when_configured(redis_url: str) -> None:
    assert (await local.redis(Settings(redis_url=redis_url))).ok
    assert (await local.redis(Settings())).ok  # not configured: in-process live state
    down = await local.redis(Settings(redis_url=f"redis://{DEAD_PORT}/0"))
    assert not down.ok and "CALLCENTER_REDIS_URL" in down.fix


def test_the_data_folder_must_be_writable(tmp_path: Path) -> None:
    assert local.data_dir(Settings(data_dir=tmp_path / "data")).ok
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    refused = local.data_dir(Settings(data_dir=blocker / "data"))
    assert not refused.ok and "CALLCENTER_DATA_DIR" in refused.detail


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://localhost/hand-offs", True),
        ("https://no-such-host.invalid/hand-offs", False),
        ("ftp://localhost/x", False),
        (None, False),
    ],
)
async def test_the_crisis_webhook_must_have_a_host_that_resolves(url: str | None, ok: bool) -> None:
    result = await local.webhooks(CrisisSettings(webhook_url=url, webhook_secret="s"))
    assert result.ok is ok, result
    if not ok:
        assert "CALLCENTER_CRISIS_WEBHOOK_URL" in result.fix
