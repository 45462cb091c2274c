"""Short-lived API access tokens (JWT, HS256), read against the hotline's clock.

A token names its user and its token family (``sid``); the family is checked in
the database on every use, so revoking it (sign-out, an admin, a disabled
account) ends the token at once, long before it expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from callcenter.kernel.settings import Settings

ALGORITHM = "HS256"
AUDIENCE = "callcenter-api"


@dataclass(frozen=True)
class AccessClaims:
    login: str
    session_id: int


def mint_access(settings: Settings, *, login: str, session_id: int, at: datetime) -> str:
    expires = at + timedelta(minutes=settings.access_token_minutes)
    claims = {
        "sub": login,
        "sid": session_id,
        "aud": AUDIENCE,
        "iat": int(at.timestamp()),
        "exp": int(expires.timestamp()),
        "typ": "access",
    }
    return jwt.encode(claims, settings.token_secret, algorithm=ALGORITHM)


def read_access(settings: Settings, token: str, at: datetime) -> AccessClaims | None:
    """The claims of a genuine, unexpired access token; None for anything else."""
    try:
        # Expiry is checked below against the hotline's clock, not the machine's.
        claims = jwt.decode(
            token,
            settings.token_secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"verify_exp": False, "verify_iat": False, "require": ["exp", "sub", "sid"]},
        )
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != "access" or not isinstance(claims.get("sid"), int):
        return None
    if at.timestamp() >= float(claims["exp"]):
        return None
    return AccessClaims(login=str(claims["sub"]), session_id=claims["sid"])
