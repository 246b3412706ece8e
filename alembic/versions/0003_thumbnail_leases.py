"""thumbnail leases: one worker per job, retries with backoff, a bounded number of tries

Revision ID: 0003_thumbnail_leases
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_thumbnail_leases"
down_revision = "0002"
branch_labels = None
depends_on = None

PENDING = sa.text("thumbnail_key IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("images") as batch_op:
        batch_op.add_column(sa.Column("thumbnail_attempts", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("thumbnail_lease_until", sa.BigInteger(), nullable=True))
    # The picker's query (services/processing/jobs.py) reads only images still pending.
    op.create_index("ix_images_thumbnail_pending", "images", ["id"],
                    postgresql_where=PENDING, sqlite_where=PENDING)


def downgrade() -> None:
    op.drop_index("ix_images_thumbnail_pending", table_name="images")
    with op.batch_alter_table("images") as batch_op:
        batch_op.drop_column("thumbnail_lease_until")
        batch_op.drop_column("thumbnail_attempts")
