"""Password hashing: argon2id through pwdlib, with the cost from settings.

Tests lower the cost through the same settings; production keeps pwdlib's
recommended one. A hash made with an older cost still verifies, and is
re-hashed at the next successful sign-in.
"""

from __future__ import annotations

from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from callcenter.kernel.settings import Settings

MIN_LENGTH = 10


@cache
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHash:
    return PasswordHash(
        (Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism),)
    )


def hasher(settings: Settings) -> PasswordHash:
    return _hasher(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )


def password_problem(password: str, login: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if login and login.lower() in password.lower():
        return "a password must not contain the login name"
    return None


# Verified against when the login is unknown, so a wrong name costs as long as a
# wrong password and response times do not tell which names exist.
def dummy_hash(settings: Settings) -> str:
    return _dummy(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )


@cache
def _dummy(time_cost: int, memory_kib: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_kib, parallelism).hash("no-such-user-placeholder")
