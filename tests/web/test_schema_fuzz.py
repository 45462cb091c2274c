"""schemathesis over the OpenAPI spec, signed in as a supervisor and as a counsellor.

Every documented operation gets a bounded number of generated requests against
a real API process: none may answer 500, and every answer must match the schema
it documents. Sign-out is left out: it would end the very session under test.
"""

from __future__ import annotations

import asyncio

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from callcenter.kernel.runtime import Runtime
from tests.staff import Staff

EXAMPLES = 5  # per operation and role: enough to find a crash, quick enough for the suite
SKIPPED = {("POST", "/api/auth/logout")}


def no_crash(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """500 is a crash; 503 is a part (the ACD, the recorder) not running in this API process."""
    if response.status_code >= 500 and response.status_code != 503:
        raise AssertionError(f"{response.status_code}: {response.text[:300]}")


@pytest.fixture
def api(memory_worker: tuple[str, Runtime], staff: Staff) -> tuple[str, Runtime, Staff]:
    return memory_worker[0], memory_worker[1], staff


def fuzz(schema_doc: dict[str, object], url: str, headers: dict[str, str]) -> list[str]:
    """Every operation, a few generated cases each; the failures, described."""
    schema = schemathesis.openapi.from_dict(schema_doc)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=url,
                headers=headers,
                checks=[no_crash, response_schema_conformance],
            )

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # collect them all, then report
            found = [line.strip() for line in str(exc).splitlines() if line.strip()]
            what = [line for line in found if line.startswith(("- ", "curl", "["))]
            failures.append(f"{operation.method.upper()} {operation.path}: " + " | ".join(what))
    return failures


@pytest.mark.parametrize("role", ["supervisor", "agent"])
async def test_no_operation_crashes_or_breaks_its_schema(
    api: tuple[str, Runtime, Staff], role: str
) -> None:
    url, _, staff = api
    headers = await staff.headers(role)
    schema_doc = (await staff.http.get("/openapi.json", headers=headers)).json()
    assert len(schema_doc["paths"]) > 40
    failures = await asyncio.to_thread(fuzz, schema_doc, url, headers)
    assert failures == [], "\n".join(failures)
