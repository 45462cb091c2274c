"""What a counsellor is qualified for, and so which callers a seat may take."""

from __future__ import annotations

from enum import StrEnum


class Skill(StrEnum):
    PSYCHOLOGICAL = "psychological"
    LEGAL = "legal"
    GENERAL = "general"
    CRISIS = "crisis"
