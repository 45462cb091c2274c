"""Make the default Mandarin prompts (acd/pbxconf/prompts/*.gsm) from their texts.

    apt-get install espeak-ng sox && .venv/bin/python scripts/make_prompts.py

espeak-ng's Mandarin voice says each prompt's text (acd/pbxconf/prompts.py), sox
makes it 8 kHz mono GSM (about 1.6 kB a second) with the silence trimmed. A
hotline records its own and sets CALLCENTER_PBX_PROMPTS_DIR instead.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from acd.pbxconf.prompts import PROMPTS, bundled

VOICE = "cmn"  # Mandarin, Chinese characters read as Putonghua
WORDS_PER_MINUTE = "280"  # the voice is slow by default
TRIM = ["silence", "1", "0.05", "0.5%", "reverse", "silence", "1", "0.05", "0.5%", "reverse"]


def make(text: str, target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spoken = Path(tmp) / "spoken.wav"
        subprocess.run(
            ["espeak-ng", "-v", VOICE, "-s", WORDS_PER_MINUTE, "-w", str(spoken), text],
            check=True,
        )
        subprocess.run(
            ["sox", str(spoken), "-r", "8000", "-c", "1", str(target), "norm", "-3", *TRIM],
            check=True,
        )


def main() -> None:
    for prompt in PROMPTS:
        target = bundled(prompt.name)
        make(prompt.text, target)
        print(f"{target.name}: {target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
