"""Article DB: articles (unique article_key) and article_labels.

Revision ID: s0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_key", sa.String(2048), nullable=False),
        sa.Column("feed_id", sa.Integer, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("entry_key", sa.String(2048), nullable=False),
        sa.Column("guid", sa.String(2048)),
        sa.Column("url", sa.String(2048)),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("author", sa.String(500)),
        sa.Column("language", sa.String(20)),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("published_at", TZ, nullable=False),
        sa.Column("date_flag", sa.String(20), nullable=False, server_default="ok"),
        sa.Column("fetched_at", TZ, nullable=False),
        sa.Column("first_seen_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("scores", sa.JSON, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.UniqueConstraint("article_key", name="uq_articles_article_key"),
    )
    op.create_index("ix_articles_published_at", "articles", ["published_at"])
    op.create_index("ix_articles_source", "articles", ["source"])
    op.create_table(
        "article_labels",
        sa.Column(
            "article_id",
            sa.Integer,
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("label", sa.String(50), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
    )
    op.create_index("ix_article_labels_label", "article_labels", ["label", "article_id"])


def downgrade() -> None:
    op.drop_index("ix_article_labels_label", "article_labels")
    op.drop_table("article_labels")
    op.drop_index("ix_articles_source", "articles")
    op.drop_index("ix_articles_published_at", "articles")
    op.drop_table("articles")
