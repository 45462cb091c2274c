"""FastAPI dependencies shared by every package's router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler returns, rolled back on error."""
    runtime = get_runtime(request)
    async with runtime.sessions() as session, session.begin():
        yield session


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
# scope="function": committed as the handler returns, before the response is sent. With
# FastAPI's default the commit ran after the client already had its 200, so a failed
# commit was reported as a success, and a client's next request could miss its own write.
SessionDep = Annotated[AsyncSession, Depends(db_session, scope="function")]

# A page beyond any real list: bounds the row offset a paged route asks the database for.
MAX_PAGE = 100_000
# A row id in a path: a positive 32-bit integer, as the databases store them (a bigger one
# is a 422 naming the parameter, not a database overflow).
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
