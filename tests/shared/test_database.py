"""Engine settings that decide how the article DB performs, checked on the real servers."""

from sqlalchemy import text

from shared.database import make_engine


def test_postgresql_plans_every_statement_for_its_values(postgres_url: str) -> None:
    """A generic plan for the near-duplicate lookup scanned lsh_bands in full (bench/pipeline.py)."""
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("select current_setting('plan_cache_mode')")) == "force_custom_plan"
    finally:
        engine.dispose()


def test_options_in_the_url_are_kept(postgres_url: str) -> None:
    engine = make_engine(postgres_url + "?options=-c%20statement_timeout%3D12345")
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("select current_setting('statement_timeout')")) == "12345ms"
            assert conn.scalar(text("select current_setting('plan_cache_mode')")) == "force_custom_plan"
    finally:
        engine.dispose()
