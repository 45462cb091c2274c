"""The sign-in page: a plain form (no script), a server-side session in an HttpOnly cookie.

A failed sign-in shows the page again with the reason (401, or 429 while
locked out); a successful one goes to the page asked for, or the role's own.
"""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from callcenter.app.accounts.authenticator import SESSION_COOKIE, refuse_cross_site
from callcenter.app.accounts.deps import SIGN_IN_THROTTLE
from callcenter.app.accounts.sessions import Kind
from callcenter.app.accounts.signin import SignInRefused, lifetime, sign_in
from callcenter.app.accounts.throttle import LoginThrottle
from callcenter.kernel.auth import ROLE_PERMISSIONS, Permission, Public, Role
from callcenter.kernel.deps import RuntimeDep, client_address
from callcenter.kernel.settings import Settings

router = APIRouter(tags=["web pages"], include_in_schema=False)
LOGIN_PAGE = Depends(Public("the sign-in page"))


def landing(role: Role) -> str:
    """Where a role starts: counsellors at the desk, the rest at the wallboard or their API."""
    permissions = ROLE_PERMISSIONS[role]
    if Permission.DESK in permissions:
        return "/desk"
    if Permission.WALLBOARD in permissions:
        return "/wallboard"
    return "/docs"


def safe_next(target: str) -> str | None:
    """Only a path on this site: never an open redirect to somewhere else."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def login_page(*, next_page: str = "", error: str = "", login: str = "") -> str:
    from callcenter.app.web.pages import STATIC

    page = (STATIC / "login.html").read_text("utf-8")
    return (
        page.replace("__NEXT__", html.escape(safe_next(next_page) or "", quote=True))
        .replace("__ERROR__", html.escape(error))
        .replace("__LOGIN__", html.escape(login, quote=True))
    )


@router.get("/login", response_class=HTMLResponse, dependencies=[LOGIN_PAGE])
async def show_login(next: str = "") -> HTMLResponse:
    return HTMLResponse(login_page(next_page=next))


def _secure(settings: Settings, request: Request) -> bool:
    if settings.cookie_secure is not None:
        return settings.cookie_secure
    return request.url.scheme == "https"


@router.post("/login", dependencies=[LOGIN_PAGE])
async def submit_login(
    request: Request,
    runtime: RuntimeDep,
    throttle: Annotated[LoginThrottle, Depends(SIGN_IN_THROTTLE)],
    login: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=512)] = "",
) -> Response:
    refuse_cross_site(request)  # another site may not sign a browser in to its own account
    settings = runtime.settings
    try:
        user, opened = await sign_in(
            runtime.sessions,
            throttle,
            settings,
            login=login,
            password=password,
            kind=Kind.BROWSER,
            address=client_address(request),
            at=runtime.clock.now(),
        )
    except SignInRefused as exc:
        page = login_page(next_page=next, error=exc.reason, login=login)
        return HTMLResponse(page, status_code=exc.status)
    target = safe_next(next) or landing(Role(user.role))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        opened.secret,
        max_age=int(lifetime(settings, Kind.BROWSER).total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(settings, request),
    )
    return response
