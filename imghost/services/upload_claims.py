"""One confirm at a time per upload: a short claim on the grant row.

Confirm reads, checks, may rewrite (metadata strip) and may delete the stored
object. Two confirms of one key doing that at once could delete an object the
other just recorded, so the first one claims the grant and the others wait for
its outcome.
"""

from __future__ import annotations

import time

from sqlalchemy import or_, update
from sqlmodel import Session, select

from imghost.errors import NotFound, Unavailable
from imghost.models import Image, UploadGrant

# Longer than any confirm takes; a crashed confirm's claim lapses after this.
CLAIM_SECONDS = 120
WAIT_SECONDS = 30
POLL_SECONDS = 0.1


def claim(session: Session, key: str) -> bool:
    """Take the grant for this confirm; False when another confirm holds it."""
    now = int(time.time())
    taken = session.exec(
        update(UploadGrant)
        .where(UploadGrant.r2_key == key,
               or_(UploadGrant.claim_expires.is_(None), UploadGrant.claim_expires < now))
        .values(claim_expires=now + CLAIM_SECONDS)
    ).rowcount
    return taken == 1  # the caller commits, so other confirms see the claim


def release(session: Session, key: str) -> None:
    """Give the grant back after a failure that was not the upload's fault (e.g. 503)."""
    session.rollback()
    session.exec(update(UploadGrant).where(UploadGrant.r2_key == key).values(claim_expires=None))



def recorded_image(session: Session, key: str, user_id: int) -> Image | None:
    return session.exec(select(Image).where(Image.r2_key == key, Image.user_id == user_id)).first()


def outcome_of_other_confirm(session: Session, key: str, user_id: int) -> Image | None:
    """Wait for the confirm holding the claim: its image, or None if the claim came free."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        session.rollback()  # see the other transaction's commit
        image = recorded_image(session, key, user_id)
        if image is not None:
            return image
        grant = session.get(UploadGrant, key, populate_existing=True)
        if grant is None:
            # The winner may have committed between the two reads: look once more.
            image = recorded_image(session, key, user_id)
            if image is not None:
                return image
            raise NotFound("No upload with that key.", code="upload_not_found")
        if grant.claim_expires is None or grant.claim_expires < time.time():
            return None
        time.sleep(POLL_SECONDS)
    raise Unavailable("Another confirm of this upload is still running; try again.",
                      code="confirm_in_progress")
