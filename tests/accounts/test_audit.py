"""The audit trail: append-only in the database itself, and queryable by supervisors and admins."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from callcenter.kernel.audit import Action, record
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.db import make_engine, make_sessionmaker, transaction
from callcenter.kernel.migrations import upgrade_to_head
from tests.staff import PASSWORD, Staff


async def test_the_database_refuses_to_change_or_remove_an_entry(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        await upgrade_to_head(engine)
        sessions = make_sessionmaker(engine)
        async with transaction(sessions) as session:
            record(session, at=FakeClock().now(), actor="li", action=Action.LOGIN)
        for statement in (
            "UPDATE audit_log SET actor = 'someone-else'",
            "DELETE FROM audit_log",
        ):
            with pytest.raises((DBAPIError, IntegrityError), match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(text(statement))
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT actor FROM audit_log"))).all()
        assert [row.actor for row in rows] == ["li"]
    finally:
        await engine.dispose()


async def test_supervisors_and_admins_filter_the_trail(
    http: httpx.AsyncClient, staff: Staff
) -> None:
    admin = await staff.headers("admin")
    await staff.headers("agent", "li")  # a sign-in: audited
    wrong = await http.post("/api/auth/token", data={"username": "li", "password": "nope-nope-1"})
    assert wrong.status_code == 401
    await http.patch("/api/users/li", json={"role": "ops"}, headers=admin)

    def query(**params: str) -> dict[str, str]:
        return params

    trail = (await http.get("/api/audit", params=query(actor="li"), headers=admin)).json()
    assert [item["action"] for item in trail["items"]] == ["login-failed", "login"]
    changes = await http.get("/api/audit", params=query(action="user-changed"), headers=admin)
    [change] = changes.json()["items"]
    assert (change["actor"], change["target"], change["detail"]) == (
        "admin-chen",
        "user:li",
        "role agent → ops",
    )
    users = (await http.get("/api/audit", params=query(target="user:"), headers=admin)).json()
    assert {item["target"] for item in users["items"]} >= {"user:li"}
    supervisor = await staff.headers("supervisor")
    assert (await http.get("/api/audit", headers=supervisor)).status_code == 200
    naive = await http.get("/api/audit", params=query(since="2026-11-28T00:00:00"), headers=admin)
    assert naive.status_code == 422  # a time without its zone is refused, not guessed
    agent = await staff.headers("agent", "zhou")
    refused = await http.get("/api/audit", headers=agent)
    assert refused.status_code == 403 and "audit:read" in refused.json()["detail"]
    assert PASSWORD not in str(trail)
