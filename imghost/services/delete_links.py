"""Delete links: anyone holding an image's delete_url may delete it, without logging in
(like Imgur's delete hash). The secret is compared by hash, in constant time."""

from __future__ import annotations

import hmac

from sqlmodel import select

from imghost.errors import NotFound
from imghost.models import Image, User
from imghost.services import images
from imghost.services.context import Context
from imghost.services.direct_upload import hash_secret
from imghost.services.images import ImagePublic

MAX_SECRET_CHARS = 64
NO_SUCH_LINK = "This delete link is not valid (any more)."


def _image(ctx: Context, image_id: int, secret: str) -> Image:
    image = None
    if 0 < image_id <= images.MAX_ID and 0 < len(secret) <= MAX_SECRET_CHARS:
        image = ctx.session.exec(select(Image).where(Image.id == image_id)).first()
    if image is None or image.delete_secret_hash is None or not hmac.compare_digest(
            image.delete_secret_hash, hash_secret(secret)):
        raise NotFound(NO_SUCH_LINK, code="delete_link_not_found")
    return image


def describe(ctx: Context, image_id: int, secret: str) -> ImagePublic:
    """The image a delete link names (for its confirmation page); deletes nothing."""
    return images.public(_image(ctx, image_id, secret), ctx.storage)


def delete(ctx: Context, image_id: int, secret: str) -> ImagePublic:
    """Delete the image through the owner's own remove action (counts, audit, objects)."""
    image = _image(ctx, image_id, secret)
    shown = images.public(image, ctx.storage)
    owner = ctx.session.get(User, image.user_id)
    images.remove(ctx, owner, image.id)
    return shown
