"""Schema migrations on a database that already holds stories, on SQLite and on PostgreSQL."""

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import select, text

from services.store import queries, repository
from services.store.models import Article, Source
from shared.database import alembic_config
from shared.settings import Settings
from tests.store.test_repository import make


def test_stories_stored_before_sources_existed_are_found_by_outlet_in_any_case(
    database_url: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """s0006: rows from before s0004 (no source row, no source_id) get both, and ?source= folds
    non-ASCII case on SQLite too (its lower() folds ASCII only)."""
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    repository.ensure_schema(settings)
    sessions = repository.session_factory(settings)
    try:
        with sessions.begin() as session:
            for key, source in (("a", "Агентство"), ("b", "Агентство"), ("c", "Trend")):
                repository.upsert_article(
                    session, make(f"feed:1:guid:{key}", source=source, text=f"T {key}.")
                )
            session.execute(text("update articles set source_id = null"))
            session.execute(text("delete from sources"))
        repository.engine_for.cache_clear()
        command.downgrade(
            alembic_config(settings.article_db_url, repository.MIGRATIONS, repository.VERSION_TABLE), "s0005"
        )
        repository.ensure_schema(settings)
        sessions = repository.session_factory(settings)
        with sessions() as session:
            keys = dict(session.execute(select(Source.name, Source.name_key)).all())
            assert keys == {"Агентство": "агентство", "Trend": "trend"}
            assert session.scalar(select(Article.id).where(Article.source_id.is_(None))) is None
            found = queries.find_articles(session, queries.ArticleQuery(source="АГЕНТСТВО"))
            assert sorted(a.entry_key for a in found.items) == ["feed:1:guid:a", "feed:1:guid:b"]
    finally:
        repository.engine_for.cache_clear()


def test_a_new_outlet_is_found_in_any_case(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    repository.ensure_schema(settings)
    sessions = repository.session_factory(settings)
    try:
        with sessions.begin() as session:
            repository.upsert_article(session, make(source="Straße Nachrichten"), now=datetime.now(UTC))
        with sessions() as session:
            for spelling in ("STRASSE NACHRICHTEN", "straße nachrichten"):
                page = queries.find_articles(session, queries.ArticleQuery(source=spelling))
                assert len(page.items) == 1, spelling
    finally:
        repository.engine_for.cache_clear()
