"""sharing: image slugs and expiry, albums

Revision ID: 0004_sharing
Revises: 0003_thumbnail_leases
Create Date: 2026-11-29
"""

import secrets
import string

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004_sharing"
down_revision = "0003_thumbnail_leases"
branch_labels = None
depends_on = None

# Kept here rather than imported: a migration must not change when the app's code does.
BASE62 = string.digits + string.ascii_letters
SLUG_LENGTH = 10


def _backfill_slugs() -> None:
    connection = op.get_bind()
    images = sa.table("images", sa.column("id", sa.Integer), sa.column("slug", sa.String))
    ids = connection.execute(sa.select(images.c.id).where(images.c.slug.is_(None))).scalars().all()
    for image_id in ids:
        slug = "".join(secrets.choice(BASE62) for _ in range(SLUG_LENGTH))
        connection.execute(images.update().where(images.c.id == image_id).values(slug=slug))


def upgrade() -> None:
    with op.batch_alter_table("images") as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=32),
                                      nullable=True))
    _backfill_slugs()
    with op.batch_alter_table("images") as batch_op:
        batch_op.alter_column("slug", existing_type=sqlmodel.sql.sqltypes.AutoString(length=32),
                              nullable=False)
        batch_op.create_unique_constraint("uq_images_slug", ["slug"])
        batch_op.create_index("ix_images_expires_at", ["expires_at"], unique=False)
    with op.batch_alter_table("upload_grants") as batch_op:
        batch_op.add_column(sa.Column("image_lifetime_seconds", sa.BigInteger(), nullable=True))

    op.create_table(
        "albums",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("cover_image_id", sa.Integer(), nullable=True),
        sa.Column("share_slug", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cover_image_id"], ["images.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("share_slug"),
    )
    op.create_index("ix_albums_user_id_id", "albums", ["user_id", "id"], unique=False)
    op.create_table(
        "album_images",
        sa.Column("album_id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["album_id"], ["albums.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["image_id"], ["images.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("album_id", "image_id"),
    )
    op.create_index("ix_album_images_image_id", "album_images", ["image_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_album_images_image_id", table_name="album_images")
    op.drop_table("album_images")
    op.drop_index("ix_albums_user_id_id", table_name="albums")
    op.drop_table("albums")
    with op.batch_alter_table("upload_grants") as batch_op:
        batch_op.drop_column("image_lifetime_seconds")
    with op.batch_alter_table("images") as batch_op:
        batch_op.drop_index("ix_images_expires_at")
        batch_op.drop_constraint("uq_images_slug", type_="unique")
        batch_op.drop_column("slug")
        batch_op.drop_column("expires_at")
