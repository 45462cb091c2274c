"""Callers' numbers and case notes encrypted at rest, and found again by a keyed HMAC.

``Encrypted`` columns hold ``enc1:<key id>:<base64(nonce | AES-256-GCM ciphertext)>``;
the key id is bound into the ciphertext (as associated data) and names the key
that decrypts it, so keys can be rotated (``callcenter keys rotate`` re-encrypts
rows under the newest one). A value without the prefix is a row written before
encryption: it reads as it is until rotation seals it.

``Lookup`` columns hold ``h1:<hex HMAC-SHA256>`` of a number under the lookup
key: equal numbers give equal digests, so ``where(Model.caller_key == number)``
finds a caller's history without any plaintext in the database. The column type
digests a bound plain value itself, and lets a digest through unchanged.

The keyring is process-wide because SQLAlchemy column types see no request or
runtime; the composition root installs it from settings at start-up.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import String, Text, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import TypeDecorator

from callcenter.kernel.settings import Settings

PREFIX = "enc1:"
DIGEST = "h1:"
NONCE = 12
SETTING = "CALLCENTER_ENCRYPTION_KEYS"


class KeySettingError(ValueError):
    """A key setting that cannot be used; the message names the setting."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]  # key id → 32-byte AES key
    current: str  # the id new values are sealed with
    lookup_key: bytes
    # One cipher per key, built once: AESGCM's key set-up is most of a small seal's cost.
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, init=False, compare=False)

    def _cipher(self, kid: str) -> AESGCM:
        cipher = self._ciphers.get(kid)
        if cipher is None:
            cipher = self._ciphers[kid] = AESGCM(self.keys[kid])
        return cipher

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        keys: dict[str, bytes] = {}
        for entry in settings.encryption_keys.split(","):
            kid, _, encoded = entry.strip().partition(":")
            try:
                key = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise KeySettingError(
                    f"CALLCENTER_ENCRYPTION_KEYS: key {kid!r} is not base64"
                ) from exc
            if not kid or len(key) != 32:
                raise KeySettingError(
                    "CALLCENTER_ENCRYPTION_KEYS: each entry is id:base64 of 32 random bytes"
                )
            keys[kid] = key
        if not settings.lookup_key:
            raise KeySettingError("CALLCENTER_LOOKUP_KEY is empty")
        current = settings.encryption_keys.split(",")[0].strip().partition(":")[0]
        return cls(keys=keys, current=current, lookup_key=settings.lookup_key.encode())

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(NONCE)
        sealed = self._cipher(self.current).encrypt(
            nonce, plaintext.encode(), self.current.encode()
        )
        return f"{PREFIX}{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # written before encryption; sealed at the next rotation
        kid, _, body = stored[len(PREFIX) :].partition(":")
        if kid not in self.keys:
            raise KeySettingError(
                f"CALLCENTER_ENCRYPTION_KEYS has no key {kid!r} for a stored value"
            )
        raw = base64.b64decode(body)
        return self._cipher(kid).decrypt(raw[:NONCE], raw[NONCE:], kid.encode()).decode()

    def digest(self, value: str) -> str:
        if value.startswith(DIGEST):
            return value
        mac = hmac.new(self.lookup_key, value.encode(), hashlib.sha256).hexdigest()
        return f"{DIGEST}{mac}"


def key_id_of(stored: str | None) -> str | None:
    """The key a stored value is sealed with; None for plaintext (or nothing)."""
    if not stored or not stored.startswith(PREFIX):
        return None
    return stored[len(PREFIX) :].partition(":")[0]


_installed: Keyring | None = None


def install(keyring: Keyring) -> None:
    global _installed
    _installed = keyring


def keyring() -> Keyring:
    """The installed keyring; the settings' (environment) one when nothing installed any."""
    if _installed is None:
        install(Keyring.from_settings(Settings()))
    assert _installed is not None
    return _installed


class Encrypted(TypeDecorator[str]):
    """Text sealed with AES-GCM on the way in, opened on the way out; "" stays ""."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if not value:
            return value
        return keyring().seal(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if not value:
            return value
        return keyring().open(value)


class Lookup(TypeDecorator[str]):
    """A keyed digest of a number, for equality look-ups; "" (withheld) stays ""."""

    impl = String(80)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if not value:
            return value
        return keyring().digest(value)


def keep_lookup(number: InstrumentedAttribute[Any], lookup: str) -> None:
    """Whenever ``number`` is set on an object, its digest column ``lookup`` follows."""

    @event.listens_for(number, "set")
    def _follow(target: object, value: str | None, old: object, initiator: object) -> None:
        setattr(target, lookup, value)
