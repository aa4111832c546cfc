"""What the parser reads from a story (issue 4): authors, canonical URL, lead image, the page's modified
time, and the facts (countries with the main pair, people with roles, organisations, events) as JSON.

Revision ID: s0003
Revises: s0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "s0003"
down_revision = "s0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("authors", sa.JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("canonical_url", sa.String(2048)))
        batch.add_column(sa.Column("image_url", sa.String(2048)))
        batch.add_column(sa.Column("modified_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("facts", sa.JSON, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        for name in ("facts", "modified_at", "image_url", "canonical_url", "authors"):
            batch.drop_column(name)
