"""gallery search: a blurhash per image, indexes for each listing sort and the date filter

Revision ID: 0008_gallery_search
Revises: 0007_abuse_hardening
Create Date: 2026-11-26
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_gallery_search"
down_revision = "0007_abuse_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("images") as batch_op:
        batch_op.add_column(sa.Column("blurhash", sqlmodel.sql.sqltypes.AutoString(length=100),
                                      nullable=True))
        # sort=largest walks (user_id, size_bytes, id); from/to narrow by created_at.
        batch_op.create_index("ix_images_user_id_size_bytes_id", ["user_id", "size_bytes", "id"])
        batch_op.create_index("ix_images_user_id_created_at", ["user_id", "created_at"])


def downgrade() -> None:
    with op.batch_alter_table("images") as batch_op:
        batch_op.drop_index("ix_images_user_id_created_at")
        batch_op.drop_index("ix_images_user_id_size_bytes_id")
        batch_op.drop_column("blurhash")
