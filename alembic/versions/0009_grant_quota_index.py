"""upload grants: an index for the quota check's sum of a user's open grants

Revision ID: 0009_grant_quota_index
Revises: 0008_gallery_search
Create Date: 2026-11-29
"""

from alembic import op

revision = "0009_grant_quota_index"
down_revision = "0008_gallery_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every upload start sums the caller's open grants: without this it read every
    # open grant of every user (the expires_at index) and filtered by user.
    op.create_index("ix_upload_grants_user_id_expires_at", "upload_grants",
                    ["user_id", "expires_at"], postgresql_include=["size_bytes"])


def downgrade() -> None:
    op.drop_index("ix_upload_grants_user_id_expires_at", table_name="upload_grants")
