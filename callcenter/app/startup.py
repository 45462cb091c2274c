"""Reading settings at start-up: an invalid one, or a demo secret outside the demo, stops it.

``callcenter demo`` runs on the built-in demo secrets. Everything else that
serves or stores real callers refuses to start with a secret that is empty or
still the demo's, and names the setting, never its value.
"""

from __future__ import annotations

from typing import TypeVar

import typer
from pydantic import ValidationError
from pydantic_settings import BaseSettings
from rich.console import Console

from callcenter.kernel.crypto import Keyring, KeySettingError
from callcenter.kernel.settings import (
    DEMO_AMI_SECRET,
    DEMO_ENCRYPTION_KEYS,
    DEMO_LOOKUP_KEY,
    DEMO_TOKEN_SECRET,
    Settings,
)
from crisis.settings import CrisisSettings

console = Console(stderr=True)
MIN_SECRET = 16
EXAMPLE_MARK = "change-me"  # the placeholder of deploy/systemd/callcenter.env.example


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; an invalid one stops start-up naming the setting."""
    return load(Settings, **overrides)


S = TypeVar("S", bound=BaseSettings)


def load(kind: type[S], **overrides: object) -> S:
    """Any settings class from the environment, naming an invalid setting and stopping."""
    try:
        return kind(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        prefix = str(kind.model_config.get("env_prefix", ""))
        for error in exc.errors():
            name = prefix + "_".join(str(p) for p in error["loc"]).upper()
            console.print(f"[red]invalid setting {name}: {error['msg']}[/red]")
        raise typer.Exit(2) from exc


def secret_problems(settings: Settings, crisis: CrisisSettings) -> list[str]:
    """Each setting whose secret is empty, too short or the demo's (by name only)."""
    demo = {
        "CALLCENTER_AMI_SECRET": (settings.ami_secret, DEMO_AMI_SECRET),
        "CALLCENTER_TOKEN_SECRET": (settings.token_secret, DEMO_TOKEN_SECRET),
        "CALLCENTER_ENCRYPTION_KEYS": (settings.encryption_keys, DEMO_ENCRYPTION_KEYS),
        "CALLCENTER_LOOKUP_KEY": (settings.lookup_key, DEMO_LOOKUP_KEY),
    }
    problems = [
        f"{name} is empty or the demo's; set a secret of your own"
        for name, (value, default) in demo.items()
        if not value or value == default or default in value or EXAMPLE_MARK in value
    ]
    if settings.token_secret and len(settings.token_secret) < 32:
        problems.append("CALLCENTER_TOKEN_SECRET is shorter than 32 characters")
    if settings.lookup_key and len(settings.lookup_key) < 32:
        problems.append("CALLCENTER_LOOKUP_KEY is shorter than 32 characters")
    if settings.auth_mode == "proxy" and len(settings.proxy_secret) < MIN_SECRET:
        problems.append(f"CALLCENTER_PROXY_SECRET needs {MIN_SECRET}+ characters in proxy mode")
    if settings.metrics_token is not None and len(settings.metrics_token) < MIN_SECRET:
        problems.append(f"CALLCENTER_METRICS_TOKEN needs {MIN_SECRET}+ characters")
    try:
        Keyring.from_settings(settings)
    except KeySettingError as exc:
        problems.append(str(exc))
    if crisis.webhook_url and len(crisis.webhook_secret or "") < MIN_SECRET:
        problems.append(f"CALLCENTER_CRISIS_WEBHOOK_SECRET needs {MIN_SECRET}+ characters")
    return problems


def production_settings() -> Settings:
    """Settings for a real deployment: refused (exit 2) while any secret is missing or a demo's."""
    settings = load_settings()
    problems = secret_problems(settings, CrisisSettings())
    for problem in problems:
        console.print(f"[red]refusing to start: {problem}[/red]")
    if problems:
        raise typer.Exit(2)
    return settings
