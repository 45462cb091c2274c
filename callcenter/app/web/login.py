"""The sign-in page: a plain form (no script), a server-side session in an HttpOnly cookie.

A failed sign-in shows the page again with the reason (401, or 429 while
locked out); a successful one goes to the page asked for, or the role's own.
The form carries a token that must match a strict cookie set with it, so
another site cannot post it (and sign a browser in to an account of its own).
"""

from __future__ import annotations

import hmac
import html
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from callcenter.app.accounts.authenticator import SESSION_COOKIE, refuse_cross_site
from callcenter.app.accounts.deps import SIGN_IN_THROTTLE
from callcenter.app.accounts.sessions import Kind
from callcenter.app.accounts.signin import SignInRefused, lifetime, sign_in
from callcenter.app.accounts.throttle import LoginThrottle
from callcenter.app.web.pages import STATIC, landing
from callcenter.kernel.auth import Public, Role
from callcenter.kernel.deps import RuntimeDep, client_address
from callcenter.kernel.settings import Settings

router = APIRouter(tags=["web pages"], include_in_schema=False)
LOGIN_PAGE = Depends(Public("the sign-in page"))


def safe_next(target: str) -> str | None:
    """Only a path on this site: never an open redirect to somewhere else."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


FORM_COOKIE = "cc_login_form"


def login_page(
    *, next_page: str = "", error: str = "", login: str = "", status: int = 200
) -> HTMLResponse:
    """The form, with a fresh form token in it and in its cookie."""
    token = secrets.token_urlsafe(24)
    page = (STATIC / "login.html").read_text("utf-8")
    body = (
        page.replace("__NEXT__", html.escape(safe_next(next_page) or "", quote=True))
        .replace("__ERROR__", html.escape(error))
        .replace("__LOGIN__", html.escape(login, quote=True))
        .replace("__FORM_TOKEN__", token)
    )
    response = HTMLResponse(body, status_code=status)
    response.set_cookie(FORM_COOKIE, token, path="/login", httponly=True, samesite="strict")
    return response


@router.get("/login", response_class=HTMLResponse, dependencies=[LOGIN_PAGE])
async def show_login(next: str = "") -> HTMLResponse:
    return login_page(next_page=next)


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
    form_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    refuse_cross_site(request)
    expected = request.cookies.get(FORM_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), form_token.encode()):
        again = "the sign-in form expired or came from elsewhere; please sign in again"
        return login_page(next_page=next, error=again, login=login, status=403)
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
        return login_page(next_page=next, error=exc.reason, login=login, status=exc.status)
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
    response.delete_cookie(FORM_COOKIE, path="/login")
    return response
