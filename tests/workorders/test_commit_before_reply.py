"""An API write answers only once its transaction has committed: a commit the database
refuses is an error to the client, never a success it already had."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from callcenter.kernel.clock import FakeClock
from tests.staff import Staff
from tests.workorders.conftest import arrive


def _refuse(session: Session) -> None:
    raise OperationalError("COMMIT", {}, ConnectionResetError("the database went away"))


async def test_a_write_whose_commit_fails_is_not_answered_as_a_success(
    app: FastAPI, staff: Staff, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    order = await arrive(sessions, "c1", "13800000001", clock.now())
    headers = await staff.headers("agent", "agent-li")
    # the app's own error, not the transport's: the client sees what a browser would
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hotline", headers=headers
    ) as http:
        event.listen(Session, "before_commit", _refuse)
        try:
            refused = await http.patch(f"/api/workorders/{order.id}", json={"summary": "睡不好"})
        finally:
            event.remove(Session, "before_commit", _refuse)
        after = await http.get(f"/api/workorders/{order.id}")
    assert refused.status_code >= 500, refused.text
    assert after.status_code == 200 and after.json()["summary"] != "睡不好"
