"""The configuration as shipped in asterisk-conf/: the defaults, placeholder passwords.

    .venv/bin/python -m acd.pbxconf.default asterisk-conf   # after changing a template

A test keeps asterisk-conf/ equal to this, so the files in the repository (read
by people and by asterisklint) are always what ``callcenter asterisk-conf`` writes
for the default settings, with the conventional Asterisk folders.
"""

from __future__ import annotations

import sys
from pathlib import Path

from acd.pbxconf.render import Layout, render
from acd.pbxconf.settings import PbxSettings
from callcenter.kernel.settings import Settings

HEADER = "; Rendered by `callcenter asterisk-conf` from the default settings: do not edit here.\n"


def shipped() -> dict[str, str]:
    """File name → text, from the defaults alone (never the environment)."""
    pbx = PbxSettings.model_construct()
    layout = Layout(
        etc_dir=Path("/etc/asterisk"),
        data_dir=Path("/var/lib/asterisk"),
        var_dir=pbx.var_dir,
        asterisk_prefix=pbx.asterisk_prefix,
    )
    files = render(Settings.model_construct(), pbx, layout)
    return {name: HEADER + text for name, text in files.items()}


def main(folder: str) -> None:
    target = Path(folder)
    for name, text in shipped().items():
        (target / name).write_text(text, encoding="utf-8")
    print(f"{len(shipped())} files written to {target}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "asterisk-conf")
