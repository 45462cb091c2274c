"""The pages and assets a browser loads: served from the package, nothing from the network."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.app.web.i18n import LABELS, labels
from callcenter.app.web.pages import STATIC, render
from callcenter.kernel.runtime import Runtime
from tests.staff import Staff
from tests.web.conftest import bare_app

PAGES = ("wallboard.html", "desk.html", "rota.html")


async def test_the_root_opens_the_signed_in_roles_page(
    memory_worker: tuple[str, Runtime], staff: Staff
) -> None:
    url, _ = memory_worker
    async with httpx.AsyncClient(base_url=url, headers=await staff.headers("supervisor")) as client:
        response = await client.get("/")
        assert response.status_code == 307
        assert response.headers["location"] == "/wallboard"
        page = await client.get("/wallboard")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "值班大屏" in page.text  # Chinese labels by default


@pytest.mark.parametrize("page", PAGES)
def test_pages_load_only_assets_that_ship_in_the_package(page: str) -> None:
    html = render(page)
    assert not re.search(r"__[A-Z]+__", html), "a placeholder left unfilled"
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "an asset from the network"
    for asset in re.findall(r"""(?:src|href)="/static/([^"]+)\"""", html):
        assert (STATIC / asset).is_file(), asset


async def test_static_assets_are_served_with_their_types(
    memory_worker: tuple[str, Runtime],
) -> None:
    url, _ = memory_worker
    async with httpx.AsyncClient(base_url=url) as client:
        script = await client.get("/static/common.js")
        style = await client.get("/static/style.css")
        escape = await client.get("/static/..%2Fapi.py")
        missing = await client.get("/static/nothing.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert style.status_code == 200 and "text/css" in style.headers["content-type"]
    assert escape.status_code == 404 and "router" not in escape.text
    assert missing.status_code == 404


def test_desk_carries_the_form_choices() -> None:
    html = render("desk.html")
    assert "心理咨询" in html  # the case taxonomy's Chinese labels
    assert "郑州市" in html  # Henan's regions


def test_every_label_exists_in_both_languages() -> None:
    zh, en = labels("zh"), labels("en")
    assert zh.keys() == en.keys() == LABELS.keys()
    assert all(zh[key].strip() and en[key].strip() for key in LABELS)


PAGES_ONLY = bare_app()
SHIPPED = {path.read_bytes() for path in STATIC.rglob("*") if path.is_file()}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["..", ".", "%2e%2e", "%2f", "api.py", "static", "common.js"])))
def test_no_static_path_reaches_outside_the_folder(parts: list[str]) -> None:
    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=PAGES_ONLY)
        async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
            return await client.get("/static/" + "/".join(parts))

    response = asyncio.run(fetch())
    if not response.url.path.startswith("/static/"):
        return  # the client itself folded the dots away: nothing reached the route
    assert response.status_code == 404 or response.content in SHIPPED
