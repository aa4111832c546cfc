"""Engines and migrations for the two small databases (article DB, fetcher state), SQLite or PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import DateTime, Engine, TypeDecorator, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from shared.errors import TransientError

SQLITE_BUSY_TIMEOUT_MS = 30_000


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are aware UTC in Python on every backend (SQLite drops the zone on disk)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs (the only PostgreSQL driver we install)."""
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)


def make_engine(url: str, *, readonly: bool = False) -> Engine:
    """An engine with SQLite in WAL mode and a busy timeout, or a pooled PostgreSQL engine.

    On SQLite a writer's transactions take the write lock at BEGIN; a read-only engine's do not, so
    readers (CLI, API) never hold up the workers (WAL lets readers and one writer run together)."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "isolation_level": None}
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            # Writers take the write lock at BEGIN so two writers queue on busy_timeout instead of
            # failing with "database is locked" on lock upgrade (sqlite.org/lang_transaction.html).
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    # psycopg prepares a statement on the server after five runs, and PostgreSQL then may plan it once
    # for any parameters: for the near-duplicate lookup (band_key IN (20 values)) that generic plan
    # scanned lsh_bands in full, 11.7 of the store's 18 ms per article. Plan each run for its values.
    options = " ".join(filter(None, [parsed.query.get("options"), "-c plan_cache_mode=force_custom_plan"]))
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args={"options": options}
    )


def is_transient(exc: BaseException) -> bool:
    """True for database errors worth retrying: locked, connection lost, server unavailable."""
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


@contextmanager
def transient_db_errors() -> Iterator[None]:
    """Re-raise retryable database errors as TransientError (tasks retry those with backoff)."""
    try:
        yield
    except SQLAlchemyError as exc:
        if is_transient(exc):
            raise TransientError(f"database unavailable: {str(exc).splitlines()[0]}") from exc
        raise


def alembic_config(url: str, script_location: Path, version_table: str) -> Config:
    """Alembic's configuration for one service's migrations on one database."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    config.attributes["version_table"] = version_table
    return config


def upgrade(url: str, script_location: Path, version_table: str) -> None:
    """Bring a database to the newest schema with Alembic (safe to call at every start)."""
    command.upgrade(alembic_config(url, script_location, version_table), "head")
