"""Sign-in for API clients (OAuth2 password flow, rotating refresh tokens), and user management."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from callcenter.app.accounts import users as accounts
from callcenter.app.accounts.authenticator import SESSION_COOKIE
from callcenter.app.accounts.deps import SIGN_IN_THROTTLE
from callcenter.app.accounts.schemas import (
    MeOut,
    PasswordIn,
    RefreshIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)
from callcenter.app.accounts.sessions import Kind, Opened, revoke, rotate_refresh
from callcenter.app.accounts.signin import SignInRefused, sign_in
from callcenter.app.accounts.throttle import LoginThrottle
from callcenter.app.accounts.tokens import mint_access
from callcenter.kernel.audit import Action, record_by
from callcenter.kernel.auth import Permission, Principal, Public, requires
from callcenter.kernel.db import transaction
from callcenter.kernel.deps import RuntimeDep, SessionDep, client_address
from callcenter.kernel.runtime import Runtime

router = APIRouter(prefix="/api", tags=["accounts"])

SignedIn = Annotated[Principal, Depends(requires(Permission.SIGNED_IN))]
Admin = Annotated[Principal, Depends(requires(Permission.USERS_MANAGE))]
Throttle = Annotated[LoginThrottle, Depends(SIGN_IN_THROTTLE)]
SIGN_IN = Depends(Public("signing in is how one stops being anonymous"))


def refused(exc: SignInRefused) -> HTTPException:
    headers = {"WWW-Authenticate": "Bearer"}
    if exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
    return HTTPException(exc.status, exc.reason, headers=headers)


def _tokens(runtime: Runtime, login: str, opened: Opened) -> TokenOut:
    settings = runtime.settings
    return TokenOut(
        access_token=mint_access(
            settings, login=login, session_id=opened.row.id, at=runtime.clock.now()
        ),
        expires_in=int(settings.access_token_minutes * 60),
        refresh_token=opened.secret,
    )


@router.post("/auth/token", response_model=TokenOut, dependencies=[SIGN_IN])
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    runtime: RuntimeDep,
    throttle: Throttle,
) -> TokenOut:
    """OAuth2 password flow: a short-lived access token and a refresh token used once."""
    try:
        user, opened = await sign_in(
            runtime.sessions,
            throttle,
            runtime.settings,
            login=form.username,
            password=form.password,
            kind=Kind.API,
            address=client_address(request),
            at=runtime.clock.now(),
        )
    except SignInRefused as exc:
        raise refused(exc) from exc
    return _tokens(runtime, user.login, opened)


@router.post("/auth/refresh", response_model=TokenOut, dependencies=[SIGN_IN])
async def refresh(body: RefreshIn, runtime: RuntimeDep) -> TokenOut:
    """A new token pair; the refresh token sent is spent (sent again, it ends the family)."""
    # Its own transaction: a replay's revocation of the family must outlive the 401.
    async with transaction(runtime.sessions) as session:
        opened = await rotate_refresh(session, body.refresh_token, runtime.clock.now())
        login = None
        if opened is not None:
            login = (await accounts.get_user_by_id(session, opened.row.user_id)).login
    if opened is None or login is None:
        raise HTTPException(401, "refresh token unknown, spent or revoked; sign in again")
    return _tokens(runtime, login, opened)


@router.post("/auth/logout")
async def logout(
    principal: SignedIn,
    session: SessionDep,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
) -> dict[str, str]:
    """Ends this browser session or token family at once, live sockets included."""
    if principal.session_id is not None:
        await revoke(session, principal.session_id, runtime.clock.now())
    record_by(
        session,
        principal,
        at=runtime.clock.now(),
        action=Action.LOGOUT,
        address=client_address(request),
    )
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"status": "signed out"}


@router.get("/auth/me", response_model=MeOut)
async def me(principal: SignedIn, session: SessionDep) -> MeOut:
    user = await accounts.find_user(session, principal.user)
    return MeOut.of(principal, user.default_seat if user else None)


@router.get("/users", response_model=list[UserOut])
async def list_users(admin: Admin, session: SessionDep) -> list[UserOut]:
    return [UserOut.of(user) for user in await accounts.list_users(session)]


@router.post("/users", response_model=UserOut, status_code=201)
async def create_user(
    body: UserIn, admin: Admin, session: SessionDep, runtime: RuntimeDep
) -> UserOut:
    new = accounts.NewUser(
        login=body.login,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
        site_id=body.site_id,
        skills=tuple(body.skills),
        default_seat=body.default_seat,
    )
    user = await accounts.create_user(
        session, new, runtime.settings, actor=admin.user, at=runtime.clock.now()
    )
    return UserOut.of(user)


@router.patch("/users/{login}", response_model=UserOut)
async def change_user(
    login: str, body: UserPatch, admin: Admin, session: SessionDep, runtime: RuntimeDep
) -> UserOut:
    """Role, site, skills, default seat, disabled: a change of access ends their sessions."""
    user = await accounts.change_user(
        session,
        login,
        actor=admin.user,
        at=runtime.clock.now(),
        role=body.role,
        site_id=body.site_id,
        skills=tuple(body.skills) if body.skills is not None else None,
        display_name=body.display_name,
        default_seat=body.default_seat,
        disabled=body.disabled,
    )
    return UserOut.of(user)


@router.post("/users/{login}/password", response_model=UserOut)
async def reset_password(
    login: str, body: PasswordIn, admin: Admin, session: SessionDep, runtime: RuntimeDep
) -> UserOut:
    user = await accounts.reset_password(
        session,
        login,
        body.password,
        runtime.settings,
        actor=admin.user,
        at=runtime.clock.now(),
    )
    return UserOut.of(user)


@router.post("/users/{login}/revoke-sessions", response_model=UserOut)
async def revoke_sessions(
    login: str, admin: Admin, session: SessionDep, runtime: RuntimeDep
) -> UserOut:
    """Signs the user out everywhere at once: browser sessions, API tokens, live sockets."""
    user = await accounts.get_user(session, login)
    now = runtime.clock.now()
    await accounts.revoke_sessions(session, user, at=now)
    record_by(
        session,
        admin,
        at=now,
        action=Action.SESSIONS_REVOKED,
        target=f"user:{login}",
    )
    return UserOut.of(user)
