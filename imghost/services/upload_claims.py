"""One confirm at a time per upload, and no claim can outlive the confirm holding it.

Confirm reads, checks, may rewrite (metadata strip) and may delete the stored object.
Two confirms of one key doing that at once could delete an object the other just
recorded, so a confirm first claims its key; a second confirm of the same key is
told at once that the first is still running (it never waits for it).

The claim lives exactly as long as what holds it:
- PostgreSQL (several processes): a session-level advisory lock on a connection of its
  own, outside the request pool. Released when the confirm ends, however it ends; if
  the process dies or the database drops the connection, PostgreSQL frees it at once.
- SQLite (one process): a set of keys in memory, gone with the process.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy import NullPool, create_engine, event, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session
from sqlmodel import select as sqlmodel_select

from imghost.errors import Unavailable
from imghost.models import Image

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


class PostgresClaims:
    """Advisory locks, each on a connection opened for its confirm and closed after it.
    Not pooled: a closed connection can never carry a forgotten lock to someone else."""

    def __init__(self, database_url: str):
        self.engine: Engine = create_engine(database_url, poolclass=NullPool,
                                            connect_args={"connect_timeout": 5})

        @event.listens_for(self.engine, "do_connect")
        def _name_the_holder(_dialect, _record, _args, params):
            # pg_stat_activity shows which process holds a claim (operators, fault tests).
            params["application_name"] = f"imghost-claim pid={os.getpid()}"

    def take(self, key: str) -> Claim | None:
        connection = self.engine.connect()
        try:
            taken = connection.scalar(select(func.pg_try_advisory_lock(LOCK_NAMESPACE, lock_id(key))))
            connection.commit()  # the lock is the session's; no transaction stays open
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            return None
        return _PostgresClaim(connection, key)

    def held(self, keys: Iterable[str]) -> set[str]:
        by_id = {lock_id(key): key for key in keys}
        if not by_id:
            return set()
        with self.engine.connect() as connection:
            oids = connection.scalars(text(
                "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = :namespace AND objsubid = 2 AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"),
                {"namespace": LOCK_NAMESPACE}).all()
        # objid is an unsigned oid: map it back to our signed 32-bit ids.
        ids = {(oid ^ 0x80000000) - 0x80000000 for oid in oids}
        return {key for lock, key in by_id.items() if lock in ids}

    def close(self) -> None:
        self.engine.dispose()


class _PostgresClaim(_Releasing):
    def __init__(self, connection: Connection, key: str):
        self._connection, self._key = connection, key

    def ensure_held(self) -> None:
        # The lock belongs to the connection: if the connection still answers, we hold it.
        try:
            self._connection.scalar(select(1))
            self._connection.commit()
        except Exception:
            raise Unavailable("The confirm lost its database connection; try again.",
                              code="confirm_interrupted", retry_after=1) from None

    def release(self) -> None:
        try:
            self._connection.scalar(select(func.pg_advisory_unlock(LOCK_NAMESPACE, lock_id(self._key))))
            self._connection.commit()
        except Exception:  # the connection is gone, and the lock with it
            log.info("claim on %s ended with its connection", self._key)
        finally:
            self._connection.close()


def make_claims(database_url: str) -> Claims:
    if database_url.startswith("postgresql"):
        return PostgresClaims(database_url)
    return ProcessClaims()


def recorded_image(session: Session, key: str, user_id: int) -> Image | None:
    return session.exec(sqlmodel_select(Image).where(Image.r2_key == key,
                                                     Image.user_id == user_id)).first()
