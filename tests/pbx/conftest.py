"""The PBX suite's gate: the real Asterisk, SIPp and baresip, or a skip (a failure in CI)."""

from __future__ import annotations

import pytest

from tests.pbx.tools import Tools, find_tools, pbx_required


@pytest.fixture(scope="session")
def pbx_tools() -> Tools:
    found = find_tools()
    if isinstance(found, str):
        if pbx_required():
            pytest.fail(f"the PBX suite is required here (CALLCENTER_REQUIRE_PBX): {found}")
        pytest.skip(found)
    return found
