"""The FastAPI application: every package's ``api`` router, over one shared Runtime."""

from __future__ import annotations

import importlib
import logging

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from callcenter.app.discovery import modules_named
from callcenter.app.health import router as health_router
from callcenter.app.metrics import router as metrics_router
from callcenter.kernel.errors import NotFound
from callcenter.kernel.runtime import Runtime

log = logging.getLogger(__name__)


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        title="12355 hotline call center",
        description="ACD, seats, work orders, callbacks and crisis escalation beside Asterisk.",
        version="0.1.0",
    )
    app.state.runtime = runtime
    for router in discover_routers():
        app.include_router(router)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(NotFound, _not_found)
    return app


def discover_routers() -> list[APIRouter]:
    routers: list[APIRouter] = []
    for module_name in sorted(modules_named("api")):
        module = importlib.import_module(module_name)
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            routers.append(router)
    return routers


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(exc)})


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 that names each bad field plainly (``field``), besides FastAPI's ``detail``."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(part) for part in err["loc"] if part not in ("body", "query")),
            "message": err["msg"],
            "loc": list(err["loc"]),
        }
        for err in exc.errors()
    ]
    return JSONResponse(status_code=422, content={"detail": errors})
