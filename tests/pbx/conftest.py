"""The PBX suite's gate: the real Asterisk, SIPp and baresip, or a skip (a failure in CI)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.pbx.floor import clear_floor
from tests.pbx.stack import PbxStack
from tests.pbx.tools import Tools, find_tools, pbx_required
from tests.pbx.watch import AmiWatch, Api


@pytest.fixture(scope="session")
def pbx_tools() -> Tools:
    found = find_tools()
    if isinstance(found, str):
        if pbx_required():
            pytest.fail(f"the PBX suite is required here (CALLCENTER_REQUIRE_PBX): {found}")
        pytest.skip(found)
    return found


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test, so a fixture can tell that its test failed."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"report_{report.when}", report)


def failed(request: pytest.FixtureRequest) -> bool:
    report = getattr(request.node, "report_call", None)
    return bool(report is not None and report.failed)


@pytest.fixture
async def floor(
    stack: PbxStack, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Api, AmiWatch]]:
    """The API and an AMI session on an empty floor (each module builds its ``stack``);
    a failed test prints what the ACD and Asterisk logged and the AMI events it saw."""
    async with stack.api() as api, stack.ami() as ami:
        await clear_floor(stack, api)
        yield api, ami
        if failed(request):
            print(stack.diagnostics() + "\n--- AMI\n" + ami.dump())
