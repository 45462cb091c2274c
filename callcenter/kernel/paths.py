"""The service's data folder: made if missing, and proven writable before anything runs."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class DataDirUnwritable(RuntimeError):
    pass


def ensure_writable(folder: Path) -> Path:
    """Create ``folder`` if needed and prove a file can be written and synced in it.

    A journal that cannot be written would lose calls' records during a database
    outage, so start-up stops here with the setting's name instead.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-", delete=True) as probe:
            probe.write(b"ok")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        raise DataDirUnwritable(
            f"CALLCENTER_DATA_DIR {folder} is not writable ({exc.strerror or exc}); "
            "create it for the service's user or point the setting elsewhere"
        ) from exc
    return folder
