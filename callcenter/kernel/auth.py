"""Who is asking, and what they may see.

A deliberately small seam: the principal comes from request headers set by the
reverse proxy that authenticates staff (``X-User``, ``X-Role``, ``X-Site``). A
request without them is treated as the local demo supervisor. Real login and
role management replace ``current_principal`` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fastapi import Header, HTTPException


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    SITE = "site"  # a local counselling site's user
    POLICE = "police"  # police liaison
    OPS = "ops"


SEES_FULL_NUMBERS = {Role.AGENT, Role.SUPERVISOR, Role.POLICE}


@dataclass(frozen=True)
class Principal:
    user: str
    role: Role
    site_id: int | None = None

    @property
    def sees_full_numbers(self) -> bool:
        return self.role in SEES_FULL_NUMBERS


def current_principal(
    x_user: str | None = Header(default=None),
    x_role: str | None = Header(default=None),
    x_site: int | None = Header(default=None),
) -> Principal:
    if x_role is None:
        return Principal(user=x_user or "demo-supervisor", role=Role.SUPERVISOR)
    try:
        role = Role(x_role)
    except ValueError as exc:
        raise HTTPException(403, f"unknown role {x_role!r}") from exc
    if role is Role.SITE and x_site is None:
        raise HTTPException(403, "a site user needs X-Site")
    return Principal(user=x_user or role.value, role=role, site_id=x_site)
