"""SQLite through aiosqlite in one trip to its thread per statement.

SQLAlchemy's aiosqlite adapter makes three or four round trips to aiosqlite's
worker thread for every statement (open a cursor, execute, fetch, close). Each
trip is a queue hand-off, a thread wake-up and a loop wake-up; on the embedded
database they cost more than the statement itself. This adapter runs the whole
statement (cursor, execute, fetch, close) as one function on that thread, so a
statement is one trip. Only the plain cursor changes: server-side cursors
and everything else stay SQLAlchemy's.

A transaction costs no trips of its own either: its ``BEGIN IMMEDIATE`` rides on
its first statement's trip (``begin_on_first_statement``), and a rollback with no
transaction open (the pool's reset of a connection whose work was committed)
makes none. A transaction of one statement was four trips; it is now two.

Used by ``callcenter.kernel.db.make_engine`` for ``sqlite+aiosqlite`` URLs (as
the engine's DBAPI module).
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Sequence
from typing import Any, cast

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_only

# what one trip brings back: description, lastrowid, rowcount, rows
Outcome = tuple[Any, Any, int, list[Any]]


def _run(
    conn: sqlite3.Connection, operation: str, parameters: Any, many: bool, begin: str | None
) -> Outcome:
    """On aiosqlite's thread: the transaction's start if it is due, then the statement
    from cursor to close."""
    cursor = conn.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        if cursor.description:
            return cursor.description, -1, -1, cursor.fetchall()
        return None, cursor.lastrowid, cursor.rowcount, []
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._trip(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        self._trip(operation, seq_of_parameters, many=True)

    def _trip(self, operation: Any, parameters: Any, *, many: bool) -> None:
        # aiosqlite's own queue to its thread (the private ``_execute``, which its public
        # methods use too): typed loosely, as SQLAlchemy types the connection by protocol
        connection: Any = self._connection
        adapted = cast(OneTripConnection, self._adapt_connection)  # it made this cursor
        begin, adapted.pending_begin = adapted.pending_begin, None
        try:
            outcome: Outcome = self.await_(
                connection._execute(_run, connection._conn, operation, parameters, many, begin)
            )
        except Exception as error:
            adapted._handle_exception(error)
        self.description, self.lastrowid, self.rowcount, rows = outcome
        self._rows = deque(rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    # the BEGIN statement the next statement's trip runs first (``begin_on_first_statement``)
    pending_begin: str | None = None

    def begin_on_first_statement(self, begin: str) -> None:
        self.pending_begin = begin

    def commit(self) -> None:
        if self._ends_nothing():
            return
        super().commit()

    def rollback(self) -> None:
        if self._ends_nothing():
            return
        super().rollback()

    def _ends_nothing(self) -> bool:
        """No statement ran since BEGIN was asked for, or no transaction is open: ending
        it needs no trip. (The worker thread is idle: SQLAlchemy waits for each trip.)"""
        if self.pending_begin is not None:
            self.pending_begin = None
            return True
        connection: Any = self._connection
        return not connection._conn.in_transaction

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        if server_side:
            return super().cursor(server_side=True)
        return OneTripCursor(self)


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        connection: Any = aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy's: never hold up the exit
        return OneTripConnection(self, await_only(connection))


def one_trip_dbapi() -> OneTripDbapi:
    return OneTripDbapi(aiosqlite, sqlite3)
