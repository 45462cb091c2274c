"""The hotline's prompts: the names the dialplan plays, and the Mandarin defaults shipped.

The defaults (``acd/pbxconf/prompts/*.gsm``, 8 kHz mono GSM) are made by
``scripts/make_prompts.sh`` with espeak-ng's Mandarin voice and sox. A hotline
replaces any of them with its own recording by putting a file of the same name
(any format Asterisk plays: .wav, .gsm, .ulaw) in ``CALLCENTER_PBX_PROMPTS_DIR``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

PROMPT_FOLDER = "custom"  # under Asterisk's sounds folder: Playback(custom/<name>)


@dataclass(frozen=True)
class Prompt:
    name: str
    context: str
    text: str  # what the default says


PROMPTS = (
    Prompt(
        "12355-welcome",
        "acd-ivr",
        "您好，这里是一二三五五青少年服务台。心理咨询请按一，法律咨询请按二，其他请按零或稍候。",
    ),
    Prompt(
        "12355-callback-offer",
        "acd-overflow",
        "现在咨询人数较多，我们已记下您的号码，会尽快给您回电。",
    ),
    Prompt(
        "12355-closed",
        "acd-closed",
        "现在是非服务时间，我们已记下您的号码，会在服务时间给您回电。如有危险，请拨打一一零。",
    ),
)


def bundled(name: str) -> Path:
    return Path(str(resources.files("acd.pbxconf").joinpath("prompts", f"{name}.gsm")))


def install_prompts(sounds: Path, own: Path | None) -> list[Path]:
    """Copy each prompt into ``sounds/custom``: the hotline's recording if it has one.

    Only one recording per name is left there, so Asterisk never picks a stale format.
    """
    folder = sounds / PROMPT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for prompt in PROMPTS:
        mine = sorted(own.glob(f"{prompt.name}.*")) if own is not None else []
        sources = mine or [bundled(prompt.name)]
        for stale in folder.glob(f"{prompt.name}.*"):
            stale.unlink()
        for source in sources:
            target = folder / source.name
            shutil.copyfile(source, target)
            written.append(target)
    return written
