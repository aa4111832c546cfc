"""Alembic environment for the fetcher's state DB (own version table, so it can share a server)."""

from alembic import context

from shared.database import make_engine

config = context.config
engine = make_engine(config.get_main_option("sqlalchemy.url"))

with engine.connect() as connection:
    context.configure(
        connection=connection,
        version_table=config.attributes.get("version_table", "alembic_version_fetcher"),
        render_as_batch=True,  # SQLite needs batch mode to alter tables
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
