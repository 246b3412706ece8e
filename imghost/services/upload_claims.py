"""One confirm at a time per upload, and no claim can outlive the confirm holding it.

Confirm reads, checks, may rewrite (metadata strip) and may delete the stored object.
Two confirms of one key doing that at once could delete an object the other just
recorded, so a confirm first claims its key; a second confirm of the same key is
told at once that the first is still running (it never waits for it).

The claim lives exactly as long as what holds it:
- PostgreSQL (several processes): a session-level advisory lock on the process's claims
  connection, outside the request pool. Released when the confirm ends, however it
  ends; if the process dies or the database drops the connection, PostgreSQL frees it
  at once (and a confirm that lost its claim that way is refused before it records).
- SQLite (one process): a set of keys in memory, gone with the process.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy import NullPool, bindparam, create_engine, event, select
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import DBAPIError

from imghost.errors import Unavailable
from imghost.models import Image
from imghost.services.driver_cursor import on_cursor

log = logging.getLogger("imghost.uploads")

# Our half of PostgreSQL's two-int advisory key space (ASCII "imgc"): other users of
# advisory locks (single bigint keys, or another namespace) never collide with ours.
LOCK_NAMESPACE = 0x696D6763


class Claim(Protocol):
    def ensure_held(self) -> None:
        """Unavailable when the claim was lost meanwhile (its connection dropped)."""

    def release(self) -> None: ...

    def __enter__(self) -> Claim: ...

    def __exit__(self, *exc: object) -> None: ...


class Claims(Protocol):
    def take(self, key: str) -> Claim | None:
        """The claim on key, or None when another confirm holds it."""

    def held(self, keys: Iterable[str]) -> set[str]:
        """Which of keys some confirm holds right now (the sweep leaves those alone)."""

    def close(self) -> None: ...


def in_progress() -> Unavailable:
    return Unavailable("This upload is being confirmed right now; try again in a second.",
                       code="confirm_in_progress", retry_after=1)


class _Releasing:
    """Releases on leaving the with-block, whether it returned or raised."""

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class ProcessClaims:
    """SQLite serves one process, so the claims can live in its memory."""

    def __init__(self):
        self._lock = threading.Lock()
        self._keys: set[str] = set()

    def take(self, key: str) -> Claim | None:
        with self._lock:
            if key in self._keys:
                return None
            self._keys.add(key)
        return _ProcessClaim(self, key)

    def held(self, keys: Iterable[str]) -> set[str]:
        with self._lock:
            return self._keys.intersection(keys)

    def _release(self, key: str) -> None:
        with self._lock:
            self._keys.discard(key)

    def close(self) -> None:
        pass


class _ProcessClaim(_Releasing):
    def __init__(self, claims: ProcessClaims, key: str):
        self._claims, self._key = claims, key

    def ensure_held(self) -> None:
        pass

    def release(self) -> None:
        self._claims._release(self._key)


def lock_id(key: str) -> int:
    """The key's 32-bit half of the advisory lock (a collision only costs a retry)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big", signed=True)


def _first_value(cursor):
    return cursor.fetchone()[0]


def _all_rows(cursor):
    return cursor.fetchall()


class PostgresClaims:
    """Advisory locks, all on one connection of this process's own, outside the request
    pool and in autocommit: a claim costs one statement to take, one to check and one to
    release, never a connection of its own. A session's advisory locks are re-entrant,
    so a set of keys keeps this process's confirms apart; the lock keeps processes apart.

    If the connection dies, PostgreSQL frees every claim on it: the next statement opens
    a new one (a new generation), and a claim of an older generation is lost."""

    def __init__(self, database_url: str):
        self.engine: Engine = create_engine(
            database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT",
            # Held for the process's life: a silently dead peer is noticed within ~20 s.
            connect_args={"connect_timeout": 5, "keepalives_idle": 10,
                          "keepalives_interval": 2, "keepalives_count": 5})

        @event.listens_for(self.engine, "do_connect")
        def _name_the_holder(_dialect, _record, _args, params):
            # pg_stat_activity shows which process holds a claim (operators, fault tests).
            params["application_name"] = f"imghost-claim pid={os.getpid()}"

        self._mutex = threading.Lock()  # one statement at a time on the connection
        self._connection: Connection | None = None
        self._generation = 0
        self._keys: set[str] = set()

    def _execute(self, sql: str, params: dict | None = None, read=_first_value):
        """read(cursor) after sql ran on the claims connection (the caller holds _mutex);
        a dead one is dropped. Straight on the driver's cursor (services/driver_cursor.py):
        through Core (text() compiled, an execution context and a Result per statement)
        a confirm's take, check and release cost 180-270 µs of CPU, on the cursor ~130.
        Errors are Core's all the same (DBAPIError, a dead connection invalidated), so
        what follows one is unchanged."""
        if self._connection is None:
            self._connection = self.engine.connect()
        try:
            return on_cursor(self._connection, sql, params or {}, read)
        except DBAPIError:
            self._drop()
            raise

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        self._generation += 1
        if connection is not None:
            # NullPool: closing ends the session, so no lock outlives it.
            with contextlib.suppress(Exception):  # already gone
                connection.close()

    def take(self, key: str) -> Claim | None:
        params = {"namespace": LOCK_NAMESPACE, "id": lock_id(key)}
        with self._mutex:
            if key in self._keys:
                return None
            try:
                taken = self._execute(_TRY_LOCK, params)
            except DBAPIError as error:
                if not error.connection_invalidated:
                    raise
                # The connection died while idle (and our other claims with it): once more
                # on a new one; a failure to connect is the caller's 503.
                taken = self._execute(_TRY_LOCK, params)
            if not taken:
                return None
            self._keys.add(key)
            return _PostgresClaim(self, key, self._generation)

    def _ensure_held(self, claim: _PostgresClaim) -> None:
        with self._mutex:
            if claim.generation == self._generation:
                try:
                    # The lock belongs to the connection: if it still answers, we hold it.
                    self._execute(_PING)
                    return
                except DBAPIError:
                    pass
        raise Unavailable("The confirm lost its database connection; try again.",
                          code="confirm_interrupted", retry_after=1)

    def _release(self, claim: _PostgresClaim) -> None:
        with self._mutex:
            self._keys.discard(claim.key)
            if claim.generation != self._generation:
                log.info("claim on %s ended with its connection", claim.key)
                return
            try:
                self._execute(_UNLOCK, {"namespace": LOCK_NAMESPACE, "id": lock_id(claim.key)})
            except DBAPIError:  # the connection is gone, and the lock with it
                log.info("claim on %s ended with its connection", claim.key)

    def held(self, keys: Iterable[str]) -> set[str]:
        by_id = {lock_id(key): key for key in keys}
        if not by_id:
            return set()
        with self._mutex:
            oids = [oid for (oid,) in self._execute(_HELD, {"namespace": LOCK_NAMESPACE},
                                                    read=_all_rows)]
        # objid is an unsigned oid: map it back to our signed 32-bit ids.
        ids = {(oid ^ 0x80000000) - 0x80000000 for oid in oids}
        return {key for lock, key in by_id.items() if lock in ids}

    def close(self) -> None:
        with self._mutex:
            self._drop()
        self.engine.dispose()


# In psycopg2's own parameter style: the driver runs them as they are.
_TRY_LOCK = "SELECT pg_try_advisory_lock(%(namespace)s, %(id)s)"
_UNLOCK = "SELECT pg_advisory_unlock(%(namespace)s, %(id)s)"
_PING = "SELECT 1"
_HELD = ("SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted "
         "AND classid = %(namespace)s AND objsubid = 2 AND database = "
         "(SELECT oid FROM pg_database WHERE datname = current_database())")


class _PostgresClaim(_Releasing):
    def __init__(self, claims: PostgresClaims, key: str, generation: int):
        self._claims, self.key, self.generation = claims, key, generation

    def ensure_held(self) -> None:
        self._claims._ensure_held(self)

    def release(self) -> None:
        self._claims._release(self)


def make_claims(database_url: str) -> Claims:
    if database_url.startswith("postgresql"):
        return PostgresClaims(database_url)
    return ProcessClaims()


def recorded_image(connection: Connection, key: str, user_id: int) -> Row | None:
    """The image an earlier confirm of key recorded (a Core row: an Image's attributes)."""
    return connection.execute(_RECORDED, {"key": key, "user_id": user_id}).first()


_images = Image.__table__
_RECORDED = select(_images).where(_images.c.r2_key == bindparam("key"),
                                  _images.c.user_id == bindparam("user_id"))
