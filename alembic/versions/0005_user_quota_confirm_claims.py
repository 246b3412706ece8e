"""per-user storage quota; confirm claims leave the grant row

The quota override is NULL for "follow IMGHOST_USER_QUOTA_BYTES". The claim column
goes: a confirm now holds its claim as a lock of its own database connection
(services/upload_claims.py), which a dead process cannot leave behind.

Revision ID: 0005_user_quota_confirm_claims
Revises: 0004_sharing
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_user_quota_confirm_claims"
down_revision = "0004_sharing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("quota_bytes", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("upload_grants") as batch_op:
        batch_op.drop_column("claim_expires")


def downgrade() -> None:
    with op.batch_alter_table("upload_grants") as batch_op:
        batch_op.add_column(sa.Column("claim_expires", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("quota_bytes")
