"""Signing in: tokens that rotate, sessions that end at once, lockout after guessing."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from callcenter.kernel.audit import AuditEntry
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.db import transaction
from callcenter.kernel.runtime import Runtime
from tests.accounts.conftest import MakeRuntime, client_of
from tests.staff import PASSWORD, Staff, ensure_user


async def audit(runtime: Runtime) -> list[tuple[str, str, str]]:
    async with transaction(runtime.sessions) as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(row.action, row.actor, row.detail) for row in rows]


def form(login: str, password: str) -> dict[str, str]:
    return {"username": login, "password": password}


async def test_guessing_locks_the_account_and_the_right_password_waits(
    http: httpx.AsyncClient, runtime: Runtime, clock: FakeClock, staff: Staff
) -> None:
    await ensure_user(runtime.sessions, runtime.settings, "agent", "a1")
    for _ in range(3):
        wrong = await http.post("/api/auth/token", data=form("a1", "not-the-password"))
        assert wrong.status_code == 401
        assert wrong.json()["detail"] == "wrong login or password"
    locked = await http.post("/api/auth/token", data=form("a1", PASSWORD))
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) == 900
    assert "try again in 15 min" in locked.json()["detail"]
    actions = [action for action, actor, _ in await audit(runtime) if actor == "a1"]
    assert actions == ["login-failed"] * 3 + ["locked-out", "login-failed"]
    clock.advance(901)
    assert (await http.post("/api/auth/token", data=form("a1", PASSWORD))).status_code == 200
    assert (await audit(runtime))[-1][:2] == ("login", "a1")


async def test_an_address_guessing_many_names_is_locked_out(http: httpx.AsyncClient) -> None:
    replies = [
        (await http.post("/api/auth/token", data=form(f"nobody-{n}", "x" * 12))).status_code
        for n in range(6)
    ]
    assert replies == [401] * 5 + [429]


async def test_a_lockout_in_redis_holds_for_every_api_worker(
    make_runtime: MakeRuntime, redis_url: str, redis_namespace: str
) -> None:
    from callcenter.kernel.live import RedisLive

    runtimes = [
        make_runtime(RedisLive(redis_url, redis_namespace), login_max_failures=2) for _ in range(2)
    ]
    first, second = runtimes
    await ensure_user(first.sessions, first.settings, "agent", "a2")
    try:
        async with client_of(first) as one, client_of(second, address="10.1.1.1") as two:
            assert (
                await one.post("/api/auth/token", data=form("a2", "nope-nope-1"))
            ).status_code == 401
            assert (
                await two.post("/api/auth/token", data=form("a2", "nope-nope-2"))
            ).status_code == 401
            assert (await one.post("/api/auth/token", data=form("a2", PASSWORD))).status_code == 429
    finally:
        for runtime in runtimes:
            await runtime.live.close()


async def test_refresh_tokens_rotate_and_a_replayed_one_ends_the_family(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    await ensure_user(runtime.sessions, runtime.settings, "supervisor", "sup")
    first = (await http.post("/api/auth/token", data=form("sup", PASSWORD))).json()
    assert first["token_type"] == "bearer" and first["expires_in"] == 900
    second = (
        await http.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    bearer = {"Authorization": f"Bearer {second['access_token']}"}
    assert (await http.get("/api/auth/me", headers=bearer)).json()["role"] == "supervisor"
    replay = await http.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    # the thief's replay ended the whole family: the owner's fresh tokens stop working too
    assert (await http.get("/api/auth/me", headers=bearer)).status_code == 401
    again = await http.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 401


async def test_access_tokens_expire_by_the_hotlines_clock(
    http: httpx.AsyncClient, staff: Staff, clock: FakeClock
) -> None:
    headers = await staff.headers("ops")
    assert (await http.get("/api/auth/me", headers=headers)).status_code == 200
    clock.advance(15 * 60)
    assert (await http.get("/api/auth/me", headers=headers)).status_code == 401
    assert (
        await http.get("/api/auth/me", headers={"Authorization": "Bearer junk"})
    ).status_code == 401


async def test_sign_out_and_an_admin_end_sessions_at_once(
    http: httpx.AsyncClient, staff: Staff
) -> None:
    agent = await staff.headers("agent", "a3")
    assert (await http.post("/api/auth/logout", headers=agent)).status_code == 200
    assert (await http.get("/api/auth/me", headers=agent)).status_code == 401
    agent = await staff.headers("agent", "a3", fresh=True)
    admin = await staff.headers("admin")
    revoked = await http.post("/api/users/a3/revoke-sessions", headers=admin)
    assert revoked.status_code == 200
    assert (await http.get("/api/auth/me", headers=agent)).status_code == 401


async def test_a_role_change_or_a_disable_applies_at_once(
    http: httpx.AsyncClient, staff: Staff, runtime: Runtime
) -> None:
    admin = await staff.headers("admin")
    agent = await staff.headers("agent", "a4")
    demoted = await http.patch("/api/users/a4", json={"role": "ops"}, headers=admin)
    assert demoted.json()["role"] == "ops"
    assert (await http.get("/api/auth/me", headers=agent)).status_code == 401  # sessions ended
    assert (
        await http.patch("/api/users/a4", json={"disabled": True}, headers=admin)
    ).status_code == 200
    refused = await http.post("/api/auth/token", data=form("a4", PASSWORD))
    assert refused.status_code == 401
    changes = [detail for action, _, detail in await audit(runtime) if action == "user-changed"]
    assert changes == ["role agent → ops", "disabled"]


async def test_admins_manage_users_with_clear_refusals(
    http: httpx.AsyncClient, staff: Staff
) -> None:
    admin = await staff.headers("admin")
    body = {"login": "li-counsellor", "password": "short", "role": "agent", "skills": ["crisis"]}
    weak = await http.post("/api/users", json=body, headers=admin)
    assert weak.status_code == 422 and "10 characters" in weak.json()["detail"]
    body["password"] = "a long enough secret"
    made = await http.post("/api/users", json=body, headers=admin)
    assert made.status_code == 201, made.text
    assert made.json()["skills"] == ["crisis"]
    assert (await http.post("/api/users", json=body, headers=admin)).status_code == 409
    no_site = {"login": "site-x", "password": "a long enough secret", "role": "site"}
    assert (await http.post("/api/users", json=no_site, headers=admin)).status_code == 422
    supervisor = await staff.headers("supervisor")
    refused = await http.get("/api/users", headers=supervisor)
    assert refused.status_code == 403 and "users:manage" in refused.json()["detail"]
    logins = [u["login"] for u in (await http.get("/api/users", headers=admin)).json()]
    assert "li-counsellor" in logins
    signed = await http.post("/api/auth/token", data=form("li-counsellor", "a long enough secret"))
    assert signed.status_code == 200
