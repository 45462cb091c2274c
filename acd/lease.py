"""The ACD lease: which process of a hotline may send AMI actions, kept in the database.

One row per hotline (``acd.models.AcdLease``): the holder's node id, a term that grows with every
acquisition, and the expiry in the database server's own clock (epoch seconds),
so the hosts' clocks never matter. A node acquires the lease when it is free,
expired, or already its own (a restarted node takes its lease back at once);
it renews only while the lease is still unexpired and its own term; it releases
by expiring it now. Why the database and not Redis, and what a partition does:
see acd/README.md, "Active and standby".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class LeaseView:
    holder: str
    term: int
    remaining: float  # seconds until it expires, by the database's clock (negative: expired)


def _now(session: AsyncSession) -> str:
    """The database server's clock in epoch seconds, as SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return "extract(epoch from clock_timestamp())"
    return "((julianday('now') - 2440587.5) * 86400.0)"


async def acquire(session: AsyncSession, hotline: str, node: str, ttl: float) -> int | None:
    """Take the lease if it is free, expired or ours; the new term, or None if held."""
    now = _now(session)
    await session.execute(
        text(
            "INSERT INTO acd_leases (hotline_id, holder, term, expires_at) "
            "VALUES (:hotline, '', 0, 0) ON CONFLICT (hotline_id) DO NOTHING"
        ),
        {"hotline": hotline},
    )
    term = await session.scalar(
        text(
            f"UPDATE acd_leases SET holder = :node, term = term + 1, expires_at = {now} + :ttl "
            f"WHERE hotline_id = :hotline AND (holder = :node OR expires_at < {now}) "
            "RETURNING term"
        ),
        {"hotline": hotline, "node": node, "ttl": ttl},
    )
    return None if term is None else int(term)


async def renew(session: AsyncSession, hotline: str, node: str, term: int, ttl: float) -> bool:
    """Extend our unexpired lease of this term; False if it lapsed or was taken."""
    now = _now(session)
    renewed = await session.scalar(
        text(
            f"UPDATE acd_leases SET expires_at = {now} + :ttl "
            "WHERE hotline_id = :hotline AND holder = :node AND term = :term "
            f"AND expires_at >= {now} RETURNING term"
        ),
        {"hotline": hotline, "node": node, "term": term, "ttl": ttl},
    )
    return renewed is not None


async def release(session: AsyncSession, hotline: str, node: str, term: int) -> None:
    """Expire our lease now, so a standby need not wait for it to run out."""
    now = _now(session)
    await session.execute(
        text(
            f"UPDATE acd_leases SET expires_at = {now} - 1 "
            "WHERE hotline_id = :hotline AND holder = :node AND term = :term"
        ),
        {"hotline": hotline, "node": node, "term": term},
    )


async def current(session: AsyncSession, hotline: str) -> LeaseView | None:
    row = (
        await session.execute(
            text(
                f"SELECT holder, term, expires_at - {_now(session)} FROM acd_leases "
                "WHERE hotline_id = :hotline"
            ),
            {"hotline": hotline},
        )
    ).first()
    return None if row is None else LeaseView(str(row[0]), int(row[1]), float(row[2]))
