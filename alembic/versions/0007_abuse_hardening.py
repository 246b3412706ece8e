"""abuse hardening: case-insensitive unique names, ids never reused, known login networks

Revision ID: 0007_abuse_hardening
Revises: 0006_sessions_tokens
Create Date: 2026-11-29

- users: unique indexes on lower(username) and lower(email), so two racing sign-ups
  as "Alice" and "alice" cannot both be stored (the check before insert cannot see
  an uncommitted twin). Fails if such twins already exist: rename one first.
- SQLite only: users and images rebuilt with AUTOINCREMENT, so a deleted row's id is
  never handed out again (PostgreSQL sequences never reuse). alembic/env.py turns
  SQLite's foreign keys off around migrations: dropping the old users table would
  otherwise cascade-delete every image.
- known_logins: networks an account logged in from (services/known_addresses.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_abuse_hardening"
down_revision = "0006_sessions_tokens"
branch_labels = None
depends_on = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if _sqlite():
        for table in ("users", "images"):
            with op.batch_alter_table(table, recreate="always",
                                      table_kwargs={"sqlite_autoincrement": True}):
                pass
    op.create_index("ux_users_username_lower", "users", [sa.text("lower(username)")], unique=True)
    op.create_index("ux_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
    op.create_table(
        "known_logins",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("network_hash", sa.String(length=64), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "network_hash"),
    )


def downgrade() -> None:
    op.drop_table("known_logins")
    op.drop_index("ux_users_email_lower", table_name="users")
    op.drop_index("ux_users_username_lower", table_name="users")
    if _sqlite():
        for table in ("images", "users"):
            with op.batch_alter_table(table, recreate="always",
                                      table_kwargs={"sqlite_autoincrement": False}):
                pass
