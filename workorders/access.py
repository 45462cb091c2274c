"""Who may read or change work orders; site users only ever see their own referrals."""

from __future__ import annotations

from fastapi import HTTPException

from callcenter.kernel.auth import Principal, Role

READERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.POLICE, Role.OPS})
WRITERS = frozenset({Role.AGENT, Role.SUPERVISOR})
PROVINCE = frozenset({Role.AGENT, Role.SUPERVISOR})


def require(principal: Principal, roles: frozenset[Role], action: str) -> None:
    if principal.role not in roles:
        raise HTTPException(403, f"role {principal.role.value} may not {action}")
