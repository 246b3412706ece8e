"""What an action works with, passed in explicitly: no service reaches for a global.

The runner (imghost/runtime.py) builds one Context per action call, around one
database session, and commits that unit of work when the action returns. An action
may commit earlier itself (a refusal that must stay refused); nothing below an action
commits.

Slow work (reading a whole object, stripping, decoding) must not run on the few
database threads: an action written as a generator yields `ctx.slow(fn, *args)`, and
the runner commits what came before, runs fn(*args) on the slow threads with no
database connection held, and resumes the action with the result (or raises fn's
exception at the yield). fn gets no Context: it cannot touch the session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlmodel import Session

from imghost.services.storage import Storage
from imghost.settings import Settings

if TYPE_CHECKING:
    from imghost.services.credentials import Credential
    from imghost.services.metrics import Metrics
    from imghost.services.rate_limit import RateLimiter
    from imghost.services.upload_claims import Claims

audit_log = logging.getLogger("imghost.audit")


def utc_now() -> datetime:
    return datetime.now(UTC)


def reads_only(action):
    """Mark an action whose statements need no transaction around them: it reads, and
    any write it makes stands alone (the token check's "last seen"). The runner gives
    it an autocommit connection, which saves the BEGIN and COMMIT round trips."""
    action.reads_only = True
    return action


def is_read_only(action) -> bool:
    return getattr(action, "reads_only", False)


def core_only(action):
    """Mark an action whose statements are all Core ones on ctx.session.connection()
    (and that uses no other part of ctx.session than commit and rollback): the runner
    gives it a core_session.CoreSession, the transaction without an ORM Session's cost."""
    action.core_only = True
    return action


def is_core_only(action) -> bool:
    return getattr(action, "core_only", False)


class Thumbnailer(Protocol):
    def schedule(self, image_id: int, data: bytes | None = None) -> bool:
        """data: the image's stored bytes when the caller has them (saves a read)."""


@dataclass(frozen=True)
class SlowStep:
    """What a generator action yields: work for the runner to do off the database threads."""

    fn: Callable[..., Any]
    args: tuple

    def run(self) -> Any:
        return self.fn(*self.args)


@dataclass
class Context:
    session: Session
    storage: Storage
    settings: Settings
    limiter: RateLimiter
    metrics: Metrics
    clock: Callable[[], datetime] = utc_now
    thumbnails: Thumbnailer | None = None
    claims: Claims | None = None
    # What the caller signed in with (a session or an API token); set by accounts.caller.
    credential: Credential | None = None
    _after_commit: list[Callable[[], object]] = field(default_factory=list)

    def commit(self) -> None:
        self.session.commit()

    @staticmethod
    def slow(fn: Callable[..., Any], *args: Any) -> SlowStep:
        """`result = yield ctx.slow(fn, *args)`: fn runs outside the database limiter."""
        return SlowStep(fn, args)

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Run callback once the unit of work is committed (never if it is rolled back):
        a job must not look for a row that is not there yet."""
        self._after_commit.append(callback)

    def run_after_commit(self) -> None:
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    @staticmethod
    def audit(event: str, **fields: object) -> None:
        """One line per user action that changes something, for operators and forensics."""
        audit_log.info(event, extra={"fields": {"event": event, **fields}})
