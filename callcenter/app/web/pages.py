"""The HTML pages (wallboard, desk) and their static assets, all served from the package."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from html import escape
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from callcenter.app.accounts.users import find_user
from callcenter.app.web.i18n import DEFAULT_LANGUAGE, labels_json
from callcenter.kernel.auth import ROLE_PERMISSIONS, Permission, Principal, Public, Role, requires
from callcenter.kernel.calendar import local_date
from callcenter.kernel.deps import RuntimeDep, SessionDep

router = APIRouter(tags=["web pages"], include_in_schema=False)
SignedIn = Annotated[Principal, Depends(requires(Permission.SIGNED_IN))]
Supervising = Annotated[Principal, Depends(requires(Permission.WALLBOARD))]
Counselling = Annotated[Principal, Depends(requires(Permission.DESK))]
Planning = Annotated[Principal, Depends(requires(Permission.STAFFING_PLAN))]

STATIC = Path(__file__).resolve().parent / "static"
MEDIA_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


def landing(role: Role) -> str:
    """Where a role starts: counsellors at the desk, the rest at the wallboard or their API."""
    permissions = ROLE_PERMISSIONS[role]
    if Permission.DESK in permissions:
        return "/desk"
    if Permission.WALLBOARD in permissions:
        return "/wallboard"
    return "/docs"


@router.get("/")
async def home(principal: SignedIn) -> RedirectResponse:
    return RedirectResponse(landing(principal.role), status_code=307)


@router.get("/wallboard", response_class=HTMLResponse)
async def wallboard(runtime: RuntimeDep, principal: Supervising) -> HTMLResponse:
    config = {"normal_seats": runtime.settings.normal_seats, "zone": runtime.settings.timezone}
    return HTMLResponse(render("wallboard.html", config, principal))


@router.get("/rota", response_class=HTMLResponse)
async def rota(runtime: RuntimeDep, principal: Planning) -> HTMLResponse:
    """Supervisors generate and publish rotas; the first day offered is tomorrow, hotline time."""
    tomorrow = local_date(runtime.clock.now(), runtime.settings.zone) + timedelta(days=1)
    return HTMLResponse(render("rota.html", {"tomorrow": tomorrow.isoformat()}, principal))


@router.get("/desk", response_class=HTMLResponse)
async def desk(runtime: RuntimeDep, principal: Counselling, session: SessionDep) -> HTMLResponse:
    """The counsellor's own desk: they act as themselves, at their default seat first."""
    user = await find_user(session, principal.user)
    config = {
        "zone": runtime.settings.timezone,
        "default_seat": user.default_seat if user else None,
    }
    return HTMLResponse(render("desk.html", config, principal))


@router.get("/static/{path:path}", dependencies=[Depends(Public("the pages' own assets"))])
async def static(path: str) -> FileResponse:
    target = (STATIC / path).resolve()
    if not target.is_relative_to(STATIC) or not target.is_file():
        raise HTTPException(404, "no such file")
    media_type = MEDIA_TYPES.get(target.suffix, "application/octet-stream")
    return FileResponse(target, media_type=media_type, headers={"Cache-Control": "no-cache"})


def render(
    page: str, config: dict[str, Any] | None = None, principal: Principal | None = None
) -> str:
    """The page with its labels, settings, who is signed in and the desk's reference data."""
    html = (STATIC / page).read_text("utf-8")
    me = _me(principal)
    who = f"{me['name']} ({me['role']})" if principal else ""
    return (
        html.replace("__LANG__", DEFAULT_LANGUAGE)
        .replace("__LABELS__", labels_json())
        .replace("__CONFIG__", _json({**(config or {}), "me": me}))
        .replace("__REFERENCE__", reference_json())
        .replace("__CSRF__", escape(principal.csrf if principal else "", quote=True))
        .replace("__WHO__", escape(who))
    )


def _me(principal: Principal | None) -> dict[str, Any]:
    if principal is None:
        return {}
    return {
        "login": principal.user,
        "name": principal.name or principal.user,
        "role": principal.role.value,
        "agent": principal.agent_id,
        "permissions": sorted(p.value for p in principal.permissions),
    }


def _json(data: dict[str, Any]) -> str:
    """JSON safe inside a <script type="application/json"> block."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


@cache
def reference_json() -> str:
    """The work-order form's choices: categories with their labels, and Henan's regions."""
    from workorders.reference import regions, taxonomy

    categories: dict[str, Any] = {
        name: {"label": name, "subcategories": {sub: sub for sub in subs}}
        for name, subs in taxonomy().items()
    }
    try:  # the shipped taxonomy also carries Chinese labels; use them when present
        raw = json.loads(
            resources.files("workorders.data").joinpath("taxonomy.json").read_text("utf-8")
        )
        for name, entry in raw.items():
            if name in categories and isinstance(entry.get("subcategories"), dict):
                categories[name] = {
                    "label": entry.get("label", name),
                    "subcategories": entry["subcategories"],
                }
    except (OSError, ValueError, AttributeError):
        pass
    data = {"categories": categories, "regions": {k: list(v) for k, v in regions().items()}}
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
