"""Outlet names matched in any case on both engines (issue 7): `sources.name_key` holds Python's
casefold of the name, because SQLite's lower() folds ASCII only (an outlet named "Агентство" was never
found by ?source=) and PostgreSQL's depends on the database's locale. Articles stored before s0004 get
their source row and source_id here, so the filter can use ix_articles_source_published.

Revision ID: s0006
Revises: s0005
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "s0006"
down_revision = "s0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sources", sa.Column("name_key", sa.String(600)))
    op.create_index("ix_sources_name_key", "sources", ["name_key"])
    bind = op.get_bind()
    bind.execute(sa.text(
        "insert into sources (name, first_seen_at) select a.source, min(a.first_seen_at) from articles a"
        " where not exists (select 1 from sources s where s.name = a.source) group by a.source"
    ))  # fmt: skip
    bind.execute(sa.text(
        "update articles set source_id = (select s.id from sources s where s.name = articles.source)"
        " where source_id is null"
    ))  # fmt: skip
    for source_id, name in bind.execute(sa.text("select id, name from sources")).all():
        update = sa.text("update sources set name_key = :key where id = :id")
        bind.execute(update, {"key": name.casefold(), "id": source_id})


def downgrade() -> None:
    op.drop_index("ix_sources_name_key", "sources")
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("name_key")
