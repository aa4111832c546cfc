"""Feed health and history: disabled reason, last success, warnings, full-text mode, URL history,
first-seen time and page validators per entry.

Revision ID: f0002
Revises: f0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "f0002"
down_revision = "f0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("fetcher_feeds") as batch:
        batch.add_column(sa.Column("disabled_reason", sa.Text))
        batch.add_column(sa.Column("last_success_at", TZ))
        batch.add_column(sa.Column("last_warning", sa.Text))
        batch.add_column(sa.Column("fulltext", sa.String(10), nullable=False, server_default="auto"))
    with op.batch_alter_table("fetcher_entries") as batch:
        batch.add_column(sa.Column("first_seen_at", TZ))
        batch.add_column(sa.Column("page_etag", sa.String(1024)))
        batch.add_column(sa.Column("page_last_modified", sa.String(200)))
    op.execute("UPDATE fetcher_entries SET first_seen_at = sent_at WHERE first_seen_at IS NULL")
    op.create_index("ix_fetcher_entries_feed_first_seen", "fetcher_entries", ["feed_id", "first_seen_at"])
    op.create_table(
        "fetcher_feed_urls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "feed_id", sa.Integer, sa.ForeignKey("fetcher_feeds.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("replaced_at", TZ, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("fetcher_feed_urls")
    op.drop_index("ix_fetcher_entries_feed_first_seen", "fetcher_entries")
    with op.batch_alter_table("fetcher_entries") as batch:
        batch.drop_column("page_last_modified")
        batch.drop_column("page_etag")
        batch.drop_column("first_seen_at")
    with op.batch_alter_table("fetcher_feeds") as batch:
        batch.drop_column("fulltext")
        batch.drop_column("last_warning")
        batch.drop_column("last_success_at")
        batch.drop_column("disabled_reason")
