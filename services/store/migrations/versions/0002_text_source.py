"""Where an article's text came from (feed or article page), and why a wanted page was not used.

Revision ID: s0002
Revises: s0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("text_source", sa.String(10), nullable=False, server_default="feed"))
        batch.add_column(sa.Column("text_flag", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("text_flag")
        batch.drop_column("text_source")
