"""Nobody anonymous: every route declares who may use it, and the declaration holds.

The routes are read from the production app itself, so a route added later
without a declared permission fails here. Then each route is called as nobody
(401 unless declared public), and as every role (the role matrix: a route whose
permission the role lacks answers 403 naming that permission; one it has never
answers 401 or a permission 403).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import websockets
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIWebSocketRoute, RouteContext, iter_route_contexts

from callcenter.kernel.auth import ROLE_PERMISSIONS, Public, Requires, Role
from callcenter.kernel.runtime import Runtime
from tests.staff import Staff
from tests.web.conftest import bare_app, ws_url

# The only doors without a key: probes, the sign-in page and its assets, and signing in.
PUBLIC = {
    ("GET", "/api/health"),
    ("GET", "/api/ready"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/static/{path:path}"),
    ("POST", "/api/auth/token"),
    ("POST", "/api/auth/refresh"),
}


def declarations(dependant: Dependant) -> Iterator[Requires | Public]:
    for sub in dependant.dependencies:
        if isinstance(sub.call, Requires | Public):
            yield sub.call
        yield from declarations(sub)


@dataclass(frozen=True)
class Door:
    method: str
    path: str
    declared: Requires | Public

    @property
    def url(self) -> str:
        return re.sub(r"\{[^}]+\}", "1", self.path).replace("{path:path}", "style.css")


def routes(app: FastAPI, kind: type) -> list[RouteContext]:
    """Every route as served, with its routers' own dependencies folded in."""
    return [r for r in iter_route_contexts(app.routes) if isinstance(r.original_route, kind)]


def doors(app: FastAPI) -> list[Door]:
    found = []
    for route in routes(app, APIRoute):
        kinds = set(declarations(route.dependant))
        assert len(kinds) == 1, f"{route.path} declares {kinds or 'nobody'}"
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append(Door(method, str(route.path), next(iter(kinds))))
    return found


@pytest.fixture(scope="module")
def app_doors() -> list[Door]:
    return doors(bare_app())


@pytest.fixture
def served(memory_worker: tuple[str, Runtime], staff: Staff) -> tuple[str, Staff]:
    return memory_worker[0], staff


def test_every_http_route_declares_who_may_use_it(app_doors: list[Door]) -> None:
    public = {(d.method, d.path) for d in app_doors if isinstance(d.declared, Public)}
    assert public == PUBLIC
    assert len(app_doors) > 60  # the whole API, not a stub


def test_every_websocket_route_declares_its_permission() -> None:
    sockets = routes(bare_app(), APIWebSocketRoute)
    assert [r.path for r in sockets] == ["/api/live"]
    for route in sockets:
        assert [d.permission.value for d in declarations(route.dependant)] == ["live:watch"]


def _body(door: Door) -> dict[str, Any] | None:
    return {} if door.method in ("POST", "PUT", "PATCH") else None


async def test_nobody_gets_401_except_at_the_public_doors(
    served: tuple[str, Staff], app_doors: list[Door]
) -> None:
    url, staff = served
    http = staff.http
    for door in app_doors:
        if isinstance(door.declared, Public):
            continue
        reply = await http.request(door.method, door.url, json=_body(door))
        assert reply.status_code == 401, (door, reply.text[:200])
    for probe in ("/api/health", "/api/ready", "/login", "/static/style.css"):
        # health may say 503 here (no recorder in this bare process), but never 401
        assert (await http.get(probe)).status_code in (200, 503), probe
    page = await http.get("/desk")
    assert page.status_code == 401 and "/login?next=/desk" in page.text
    with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
        async with websockets.connect(ws_url(url)) as socket:
            await socket.send(json.dumps({"hello": "no token"}))
            await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_the_role_matrix(served: tuple[str, Staff], app_doors: list[Door]) -> None:
    _, staff = served
    for role in Role:
        client = await staff.client(role, site=1 if role is Role.SITE else None)
        granted = ROLE_PERMISSIONS[role]
        for door in app_doors:
            if not isinstance(door.declared, Requires) or door.path == "/api/auth/logout":
                continue
            reply = await client.request(door.method, door.url, json=_body(door))
            needed = door.declared.permission
            text = reply.text[:200]
            assert reply.status_code != 401, (role, door, text)
            assert reply.status_code < 500 or reply.status_code == 503, (role, door, text)
            if needed in granted:
                assert not (reply.status_code == 403 and "permission" in text), (role, door, text)
            else:
                assert reply.status_code == 403, (role, door, text)
                assert needed.value in text, (role, door, text)
