"""``callcenter check``: is this installation ready to take calls? One line per check.

Settings, the database and its schema, AMI login and every permission the ACD
needs, the dialplan contract, the seats as PJSIP endpoints and whether their
phones are registered, Redis, the data folder and the crisis webhook's host.
Each failure says how to fix it; the command exits non-zero on any failure.
"""

from __future__ import annotations

from callcenter.app.check import local, pbx
from callcenter.app.check.results import CheckResult
from callcenter.app.startup import secret_problems
from callcenter.kernel.settings import Settings
from crisis.settings import CrisisSettings


def secrets(settings: Settings, crisis: CrisisSettings) -> CheckResult:
    problems = secret_problems(settings, crisis)
    if problems:
        return CheckResult.failed(
            "settings", "; ".join(problems), "set each named secret to a long random value"
        )
    return CheckResult.passed("settings", "valid, and no default, demo or empty secret")


async def run_checks(settings: Settings, crisis: CrisisSettings) -> list[CheckResult]:
    results = [
        secrets(settings, crisis),
        await local.database(settings),
    ]
    async with pbx.ami_session(settings) as link:
        results.append(pbx.login(settings, link))
        if not isinstance(link, str):
            results.append(await pbx.permissions(settings, link))
            results.append(await pbx.dialplan(settings, link))
            results.append(await pbx.seats(settings, link))
    results += [
        await local.redis(settings),
        local.data_dir(settings),
        await local.webhooks(crisis),
    ]
    return results


__all__ = ["CheckResult", "run_checks"]
