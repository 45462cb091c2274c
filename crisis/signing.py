"""Webhook signatures: HMAC-SHA256 over ``"<timestamp>.<body>"`` with a shared secret (pure).

Headers: ``X-Crisis-Timestamp`` (Unix seconds), ``X-Crisis-Signature``
(``sha256=<hex>``), ``X-Crisis-Delivery`` (the outbox id: receivers drop repeats).
The timestamp is inside the signed text, so a captured request cannot be replayed
later with a fresh timestamp.
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP = "X-Crisis-Timestamp"
SIGNATURE = "X-Crisis-Signature"
DELIVERY = "X-Crisis-Delivery"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, timestamp: int, body: bytes, delivery: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        TIMESTAMP: str(timestamp),
        SIGNATURE: signature(secret, timestamp, body),
        DELIVERY: delivery,
    }


def verify(
    secret: str, headers: dict[str, str], body: bytes, *, now: int, tolerance: int = 300
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    lowered = {key.lower(): value for key, value in headers.items()}
    try:
        timestamp = int(lowered[TIMESTAMP.lower()])
        given = lowered[SIGNATURE.lower()]
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(given, signature(secret, timestamp, body))


def backoff_seconds(attempts: int, *, base: float, cap: float) -> float:
    """Delay before the next try after ``attempts`` failures: base·2ⁿ⁻¹, capped."""
    return float(min(cap, base * 2 ** max(0, attempts - 1)))
