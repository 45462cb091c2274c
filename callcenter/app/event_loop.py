"""The serving process's event loop: uvloop where it is installed, and a short GIL slice.

The ACD routes inside the loop's thread while the database driver (aiosqlite) and
start-up work (the segmenter's dictionary) run in threads. A thread holding the
interpreter keeps it for up to ``sys.getswitchinterval()`` (5 ms by default) before
the loop gets it back, which alone would blow the routing budget; 0.1 ms bounds
that wait (against 0.5 ms, in paired runs of bench.pbx_routing: freed seat → ring
p99 4.2-4.3 ms instead of 6.1-6.5, and no measurable change in CPU). uvloop's loop
spends less time per event than asyncio's own.

Once started, the heap built by start-up (modules, the ORM's mappers), and again once
the segmenter's tables have loaded in the background, is frozen out of the garbage
collector: a full collection then scans only what the calls allocate. (Unfrozen, the
tables' million objects made each full collection stop routing for about 200 ms on
a small host, and cost a tenth of the process's CPU.)
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

GIL_SLICE_SECONDS = 0.0001


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # an optional speed-up: asyncio's own loop works the same
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run_serving(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` for ``callcenter serve``."""
    sys.setswitchinterval(GIL_SLICE_SECONDS)
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)


def settle_heap(*, collect: bool = True) -> None:
    """After start-up: what exists now lives as long as the process, keep the GC off it.

    ``collect=False`` for a heap that grew while calls were already routed (the
    segmenter's dictionary, loaded in the background): a full collection of it would
    stop the loop for a good part of a second; freezing alone costs nothing."""
    if collect:
        gc.collect()
    gc.freeze()
