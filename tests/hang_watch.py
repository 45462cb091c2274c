"""A test still running shortly before pytest-timeout stops it prints what every
asyncio task is waiting on: the timeout's own traceback shows only the main thread
(the event loop idling in ``select``), never the task that did not finish."""

from __future__ import annotations

import asyncio
import gc
import io
import os
import sys
import threading
from collections.abc import Iterator

import pytest

# Before the suite's 120 s timeout; an env var shortens it for a hunt in a loop.
HANG_DUMP_SECONDS = float(os.environ.get("CALLCENTER_TEST_HANG_DUMP_SECONDS", "100"))


def pending_tasks_report(title: str) -> str:
    """Every unfinished task in the process with the stack it is suspended in."""
    out = io.StringIO()
    tasks = [o for o in gc.get_objects() if isinstance(o, asyncio.Task) and not o.done()]
    out.write(f"\n=== {title}: {len(tasks)} pending asyncio tasks ===\n")
    for task in tasks:
        out.write(f"--- {task.get_name()}: {task.get_coro()!r}\n")
        task.print_stack(limit=12, file=out)
    return out.getvalue()


def _dump(nodeid: str) -> None:
    # The read races the loop's thread; for a diagnosis that is good enough.
    report = pending_tasks_report(f"{nodeid} still running after {HANG_DUMP_SECONDS:.0f} s")
    sys.stderr.write(report)
    sys.stderr.flush()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    timer = threading.Timer(HANG_DUMP_SECONDS, _dump, args=(item.nodeid,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
