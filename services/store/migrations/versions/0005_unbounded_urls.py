"""Article URLs and GUIDs as unbounded text (issue 7): no standard bounds them (RFC 9110 section 4.1
asks for at least 8,000 octets) and PostgreSQL refused stories with longer ones. Identity keys stay
bounded (shared.urls.bounded_key), so their indexes still fit.

SQLite ignores VARCHAR lengths, so only PostgreSQL is altered (a batch migration would recreate
`articles` and drop its FTS triggers, see s0004).

Revision ID: s0005
Revises: s0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "s0005"
down_revision = "s0004"
branch_labels = None
depends_on = None

COLUMNS = ("guid", "url", "canonical_url", "image_url")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.alter_column("articles", column, type_=sa.Text(), existing_type=sa.String(2048))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.alter_column("articles", column, type_=sa.String(2048), existing_type=sa.Text())
