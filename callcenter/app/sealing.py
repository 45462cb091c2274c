"""Re-sealing at rest: every encrypted value under the newest key, every look-up digest filled.

``callcenter keys rotate`` walks each table that holds sealed columns in batches
of rows (by primary key), reads the stored text as it is, and writes back only
the rows that need it: a value under an older key id (or still plaintext, from
before encryption) is sealed again under the current key; a digest column that is
empty or plaintext gets the digest of its number. Rows are written with plain
UPDATEs, so work-order history (append-only for the application) is re-sealed too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, cast, literal, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.kernel.crypto import DIGEST, Encrypted, Keyring, Lookup, key_id_of

BATCH = 500
PK = "_row_key"  # the primary key's label: it may itself be a digest column (flagged numbers)
# digest column → the sealed column it is the digest of (same table)
DIGEST_OF = {"caller_key": "caller_number", "number_key": "number"}

Progress = Callable[[str, int, int], None]  # table, rows done, rows in the table


@dataclass(frozen=True)
class SealedTable:
    table: Table
    sealed: tuple[str, ...]  # Encrypted columns
    digests: tuple[str, ...]  # Lookup columns

    @property
    def key(self) -> Column[Any]:
        [primary] = self.table.primary_key.columns
        return primary


def sealed_tables(tables: Iterator[Table]) -> list[SealedTable]:
    found = []
    for table in tables:
        sealed = tuple(c.name for c in table.columns if isinstance(c.type, Encrypted))
        digests = tuple(c.name for c in table.columns if isinstance(c.type, Lookup))
        if (sealed or digests) and len(table.primary_key.columns) == 1:
            found.append(SealedTable(table, sealed, digests))
    return found


def reseal(row: dict[str, Any], table: SealedTable, ring: Keyring) -> dict[str, Any]:
    """The changes one stored row needs (pure: no I/O); empty when it is up to date."""
    changes: dict[str, Any] = {}
    plain: dict[str, str] = {}
    for name in table.sealed:
        stored = row[name]
        if not stored:
            continue
        plain[name] = ring.open(stored)
        if key_id_of(stored) != ring.current:
            changes[name] = ring.seal(plain[name])
    for name in table.digests:
        stored = row[name]
        if stored and stored.startswith(DIGEST):
            continue
        source = DIGEST_OF.get(name)
        number = plain.get(source, "") if source else (stored or "")
        if number:
            changes[name] = ring.digest(number)
    return changes


async def rotate(
    engine: AsyncEngine, tables: list[SealedTable], ring: Keyring, progress: Progress
) -> int:
    """Re-seal every table in batches; returns how many rows were rewritten."""
    rewritten = 0
    for table in tables:
        columns = [table.table.c[name] for name in (*table.sealed, *table.digests)]
        # read the stored text itself, not through the column types that would open it
        raw = [cast(column, _stored_type(column)).label(column.name) for column in columns]
        async with engine.connect() as conn:
            total = len((await conn.execute(select(table.key))).all())
        done, after = 0, None
        while True:
            query = select(table.key.label(PK), *raw)
            if after is not None:
                query = query.where(table.key > after)
            async with engine.begin() as conn:
                rows = (await conn.execute(query.order_by(table.key).limit(BATCH))).mappings().all()
                for row in rows:
                    changes = reseal(dict(row), table, ring)
                    if changes:
                        await conn.execute(
                            update(table.table)
                            .where(table.key == row[PK])
                            .values(
                                {k: _as_stored(table.table.c[k], v) for k, v in changes.items()}
                            )
                        )
                        rewritten += 1
            if not rows:
                break
            after = rows[-1][PK]
            done += len(rows)
            progress(table.table.name, done, total)
    return rewritten


def _stored_type(column: Column[Any]) -> Any:
    return column.type.impl if isinstance(column.type, Encrypted | Lookup) else column.type


def _as_stored(column: Column[Any], value: str) -> Any:
    """Already sealed (or digested): bound as plain text, past the column's own type."""
    return literal(value, type_=_stored_type(column))
