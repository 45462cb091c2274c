"""The HTML pages (wallboard, desk) and their static assets, all served from the package."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from callcenter.app.web.i18n import DEFAULT_LANGUAGE, labels_json
from callcenter.kernel.calendar import local_date
from callcenter.kernel.deps import RuntimeDep

router = APIRouter(tags=["web pages"], include_in_schema=False)

STATIC = Path(__file__).resolve().parent / "static"
MEDIA_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/wallboard", status_code=307)


@router.get("/wallboard", response_class=HTMLResponse)
async def wallboard(runtime: RuntimeDep) -> HTMLResponse:
    config = {"normal_seats": runtime.settings.normal_seats, "zone": runtime.settings.timezone}
    return HTMLResponse(render("wallboard.html", config))


@router.get("/rota", response_class=HTMLResponse)
async def rota(runtime: RuntimeDep) -> HTMLResponse:
    """Supervisors generate and publish rotas; the first day offered is tomorrow, hotline time."""
    tomorrow = local_date(runtime.clock.now(), runtime.settings.zone) + timedelta(days=1)
    return HTMLResponse(render("rota.html", {"tomorrow": tomorrow.isoformat()}))


@router.get("/desk", response_class=HTMLResponse)
async def desk(runtime: RuntimeDep) -> HTMLResponse:
    return HTMLResponse(render("desk.html", {"zone": runtime.settings.timezone}))


@router.get("/static/{path:path}")
async def static(path: str) -> FileResponse:
    target = (STATIC / path).resolve()
    if not target.is_relative_to(STATIC) or not target.is_file():
        raise HTTPException(404, "no such file")
    media_type = MEDIA_TYPES.get(target.suffix, "application/octet-stream")
    return FileResponse(target, media_type=media_type, headers={"Cache-Control": "no-cache"})


def render(page: str, config: dict[str, Any] | None = None) -> str:
    """The page with its labels, settings and the desk's reference data filled in."""
    html = (STATIC / page).read_text("utf-8")
    return (
        html.replace("__LANG__", DEFAULT_LANGUAGE)
        .replace("__LABELS__", labels_json())
        .replace("__CONFIG__", json.dumps(config or {}))
        .replace("__REFERENCE__", reference_json())
    )


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
