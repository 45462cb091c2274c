"""The FastAPI application: every package's ``api`` router, over one shared Runtime.

Nobody is anonymous: each route declares its permission (or that it is public),
the authenticator fills in who asks, and pages answer 401/403 as a page that
leads to the sign-in form.
"""

from __future__ import annotations

import importlib
import logging
from html import escape
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response

from callcenter.app.accounts.authenticator import make_authenticator
from callcenter.app.accounts.deps import SIGN_IN_THROTTLE
from callcenter.app.accounts.throttle import LoginThrottle, ThrottlePolicy, make_counter
from callcenter.app.accounts.users import AccountError
from callcenter.app.audit_trail import router as audit_router
from callcenter.app.discovery import modules_named
from callcenter.app.health import router as health_router
from callcenter.app.metrics import router as metrics_router
from callcenter.app.web.headers import SecurityHeaders
from callcenter.kernel.auth import AUTHENTICATOR, Permission, Principal, requires
from callcenter.kernel.errors import NotFound
from callcenter.kernel.runtime import Runtime

log = logging.getLogger(__name__)
SignedIn = Annotated[Principal, Depends(requires(Permission.SIGNED_IN))]
TITLE = "12355 hotline call center"


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        title=TITLE,
        description="ACD, seats, work orders, callbacks and crisis escalation beside Asterisk.",
        version="0.1.0",
        docs_url=None,  # served below, for signed-in staff only
        redoc_url=None,
        openapi_url=None,
    )
    app.state.runtime = runtime
    _provide_sign_in(runtime)
    for router in discover_routers():
        app.include_router(router)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(audit_router)
    app.include_router(_docs_router(app))
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(AccountError, _account_refused)
    app.add_exception_handler(HTTPException, _refused_page)
    app.add_middleware(SecurityHeaders)
    return app


def _provide_sign_in(runtime: Runtime) -> None:
    if runtime.find(AUTHENTICATOR) is None:
        runtime.provide(AUTHENTICATOR, make_authenticator(runtime))
    if runtime.find(SIGN_IN_THROTTLE) is None:
        policy = ThrottlePolicy.from_settings(runtime.settings)
        runtime.provide(SIGN_IN_THROTTLE, LoginThrottle(policy, make_counter(runtime.live)))


def discover_routers() -> list[APIRouter]:
    routers: list[APIRouter] = []
    for module_name in sorted(modules_named("api")):
        module = importlib.import_module(module_name)
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            routers.append(router)
    return routers


def _docs_router(app: FastAPI) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/openapi.json")
    async def openapi(principal: SignedIn) -> dict[str, Any]:
        return app.openapi()

    @router.get("/docs")
    async def docs(principal: SignedIn) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=TITLE)

    return router


def _is_page(request: Request) -> bool:
    path = request.url.path
    return not path.startswith(("/api/", "/metrics", "/openapi.json"))


async def _refused_page(request: Request, exc: Exception) -> Response:
    """A page refused to a browser is a page: to sign in (401), or naming what is missing (403)."""
    assert isinstance(exc, HTTPException)
    if exc.status_code not in (401, 403) or not _is_page(request):
        return await http_exception_handler(request, exc)
    target = "/login?next=" + quote(request.url.path)
    if exc.status_code == 401:
        body = (
            '<!doctype html><meta charset="utf-8">'
            f'<meta http-equiv="refresh" content="0; url={target}">'
            f'<title>请登录 Sign in</title><p><a href="{target}">请登录 Sign in</a></p>'
        )
    else:
        body = (
            '<!doctype html><meta charset="utf-8"><title>无权访问 Forbidden</title>'
            f'<p>{escape(str(exc.detail))}</p><p><a href="/">返回 Back</a></p>'
        )
    return HTMLResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _account_refused(request: Request, exc: Exception) -> JSONResponse:
    """A refused account change (unknown user 404, taken login 409, weak password 422)."""
    assert isinstance(exc, AccountError)
    return JSONResponse(status_code=exc.status, content={"detail": exc.reason})


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(exc)})


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 that names each bad field plainly (``field``), besides FastAPI's ``detail``."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(part) for part in err["loc"] if part not in ("body", "query")),
            "message": err["msg"],
            # FastAPI's own keys too, so the answer matches the documented error schema
            "msg": err["msg"],
            "type": err["type"],
            "loc": list(err["loc"]),
        }
        for err in exc.errors()
    ]
    return JSONResponse(status_code=422, content={"detail": errors})
