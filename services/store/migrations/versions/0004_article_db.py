"""The article DB people query (issue 5): sources, revisions, entity and event tables, story clusters,
MinHash bands, full-text search (SQLite FTS5 / PostgreSQL tsvector + GIN), and URL-identity keys.

Note for later migrations: on SQLite the FTS index is kept by triggers on `articles`; a batch migration
that recreates `articles` must recreate them (see _sqlite_fts).

Revision ID: s0004
Revises: s0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from shared.urls import url_key

revision = "s0004"
down_revision = "s0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("domain", sa.String(255)),
        sa.Column("first_seen_at", TZ, nullable=False),
    )
    op.create_table(
        "story_clusters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("first_article_id", sa.Integer, nullable=False),
        sa.Column("first_source", sa.String(200), nullable=False),
        sa.Column("first_published_at", TZ, nullable=False),
        sa.Column("article_count", sa.Integer, nullable=False, server_default="1"),
        sa.Column("source_count", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_at", TZ, nullable=False),
    )
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("source_id", sa.Integer))
        batch.add_column(sa.Column("canonical_key", sa.String(2048)))
        batch.add_column(sa.Column("last_seen_at", TZ))
        batch.add_column(sa.Column("revision_count", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("cluster_id", sa.Integer))
        batch.add_column(sa.Column("minhash", sa.LargeBinary))
    op.create_index("ix_articles_source_published", "articles", ["source_id", "published_at"])
    op.create_index("ix_articles_canonical_key", "articles", ["canonical_key"])
    op.create_index("ix_articles_cluster", "articles", ["cluster_id"])
    cascade = {"ondelete": "CASCADE"}
    op.create_table(
        "article_revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "article_id", sa.Integer, sa.ForeignKey("articles.id", **cascade), nullable=False, index=True
        ),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("replaced_at", TZ, nullable=False),
    )
    op.create_table(
        "article_countries",
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", **cascade), primary_key=True),
        sa.Column("code", sa.String(2), primary_key=True),
        sa.Column("mentions", sa.Integer, nullable=False, server_default="1"),
        sa.Column("in_title", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("main_pair", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_article_countries_code", "article_countries", ["code", "article_id"])
    op.create_table(
        "article_people",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "article_id", sa.Integer, sa.ForeignKey("articles.id", **cascade), nullable=False, index=True
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("rank", sa.String(100)),
        sa.Column("role", sa.String(200)),
        sa.Column("country", sa.String(2)),
    )
    op.create_index("ix_article_people_name", "article_people", ["name_key", "article_id"])
    op.create_table(
        "article_organisations",
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", **cascade), primary_key=True),
        sa.Column("org_id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("mentions", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_index("ix_article_organisations_org", "article_organisations", ["org_id", "article_id"])
    op.create_table(
        "article_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "article_id", sa.Integer, sa.ForeignKey("articles.id", **cascade), nullable=False, index=True
        ),
        sa.Column("type", sa.String(50), nullable=False),
        sa.Column("cameo", sa.String(50), nullable=False),
        sa.Column("actors", sa.JSON, nullable=False),
        sa.Column("event_date", sa.Date),
        sa.Column("sentence", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_article_events_type", "article_events", ["type", "article_id"])
    op.create_table(
        "lsh_bands",
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", **cascade), primary_key=True),
        sa.Column("band", sa.Integer, primary_key=True),
        sa.Column("band_key", sa.String(40), nullable=False),
    )
    op.create_index("ix_lsh_bands_key", "lsh_bands", ["band_key"])
    _rekey_by_url()
    if op.get_bind().dialect.name == "postgresql":
        _postgres_search()
    else:
        _sqlite_fts()


def _rekey_by_url() -> None:
    """Stories stored before keyed by feed + GUID take their URL identity, unless that would merge two
    rows (those keep their old key: merging stored rows is a decision for a person, not a migration)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text("select id, article_key, url from articles where url is not null")).all()
    taken = {key for (key,) in conn.execute(sa.text("select article_key from articles"))}
    for row_id, key, url in rows:
        new = "url:" + url_key(url)
        if new != key and new not in taken:
            conn.execute(
                sa.text("update articles set article_key = :k where id = :i"), {"k": new, "i": row_id}
            )
            taken.add(new)


def _sqlite_fts() -> None:
    """FTS5 over title and text, kept in step with `articles` by triggers (external-content table)."""
    op.execute(
        "create virtual table articles_fts using fts5(title, text, content='articles', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    op.execute(
        "create trigger articles_fts_ai after insert on articles begin "
        "insert into articles_fts(rowid, title, text) values (new.id, new.title, new.text); end"
    )
    forget = (
        "insert into articles_fts(articles_fts, rowid, title, text) "
        "values('delete', old.id, old.title, old.text)"
    )
    op.execute(f"create trigger articles_fts_ad after delete on articles begin {forget}; end")
    op.execute(
        f"create trigger articles_fts_au after update of title, text on articles begin {forget}; "  # noqa: S608
        "insert into articles_fts(rowid, title, text) values (new.id, new.title, new.text); end"
    )
    op.execute("insert into articles_fts(articles_fts) values('rebuild')")


def _postgres_search() -> None:
    """A generated tsvector (title weighted A, text B; English stemming) with a GIN index."""
    op.execute(
        "alter table articles add column search_vector tsvector generated always as ("
        "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
        "setweight(to_tsvector('english', left(coalesce(text, ''), 200000)), 'B')) stored"
    )
    op.execute("create index ix_articles_search on articles using gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("drop index if exists ix_articles_search")
        op.execute("alter table articles drop column if exists search_vector")
    else:
        for trigger in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
            op.execute(f"drop trigger if exists {trigger}")
        op.execute("drop table if exists articles_fts")
    for table in ("lsh_bands", "article_events", "article_organisations", "article_people",
                  "article_countries", "article_revisions"):  # fmt: skip
        op.drop_table(table)
    for index in ("ix_articles_cluster", "ix_articles_canonical_key", "ix_articles_source_published"):
        op.drop_index(index, "articles")
    with op.batch_alter_table("articles") as batch:
        for name in ("minhash", "cluster_id", "revision_count", "last_seen_at", "canonical_key", "source_id"):
            batch.drop_column(name)
    op.drop_table("story_clusters")
    op.drop_table("sources")
