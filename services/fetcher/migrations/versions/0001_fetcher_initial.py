"""Fetcher state: feed registry, entry fingerprints, poll log, meta.

Revision ID: f0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "f0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fetcher_feeds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("interval_seconds", sa.Integer, nullable=False, server_default="900"),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("verified", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("etag", sa.String(1024)),
        sa.Column("last_modified", sa.String(200)),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_polled_at", TZ),
        sa.Column("next_poll_at", TZ),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "fetcher_entries",
        sa.Column(
            "feed_id",
            sa.Integer,
            sa.ForeignKey("fetcher_feeds.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("entry_key", sa.String(2048), primary_key=True),
        sa.Column("sent_hash", sa.String(64), nullable=False),
        sa.Column("sent_at", TZ, nullable=False),
        sa.Column("stored_hash", sa.String(64)),
        sa.Column("stored_at", TZ),
        sa.Column("settled_hash", sa.String(64)),
        sa.Column("failed_hash", sa.String(64)),
        sa.Column("error", sa.Text),
        sa.Column("article_id", sa.Integer),
        sa.Column("run_id", sa.String(64), index=True),
    )
    op.create_table(
        "fetcher_polls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "feed_id",
            sa.Integer,
            sa.ForeignKey("fetcher_feeds.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("run_id", sa.String(64)),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=False),
        sa.Column("http_status", sa.Integer),
        sa.Column("seen", sa.Integer, nullable=False, server_default="0"),
        sa.Column("new", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
        sa.Column("unchanged", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text),
        sa.UniqueConstraint("run_id", "feed_id"),
    )
    op.create_index("ix_fetcher_polls_feed_finished", "fetcher_polls", ["feed_id", "finished_at"])
    op.create_table(
        "fetcher_meta",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("fetcher_meta")
    op.drop_index("ix_fetcher_polls_feed_finished", "fetcher_polls")
    op.drop_table("fetcher_polls")
    op.drop_table("fetcher_entries")
    op.drop_table("fetcher_feeds")
