"""How a long job reports how far it has got: ``progress(step, done, total)``.

The job stays free of any terminal; the command line turns the calls into a
progress bar (``callcenter.app.cli``), a test into a list.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]


def no_progress(step: str, done: int, total: int) -> None:
    """For a caller that does not watch."""
