"""Fill an empty, migrated article DB with synthetic stories, fast (SQLite or PostgreSQL).

    python -m bench.articledb.generate --url sqlite:////tmp/articledb.db --count 1000000 [--seed 1]
    python -m bench.articledb.generate --url postgresql+psycopg://postgres@127.0.0.1:5432/newswire_bench

SQLite: Core executemany per batch (one transaction each), synchronous=OFF for the load, the FTS triggers
dropped during it and the index rebuilt after (triggers recreated from their own stored SQL).
PostgreSQL: COPY per batch, the GIN index of search_vector dropped during it and rebuilt after. Both:
ANALYZE at the end. Generation runs in the main thread while a writer thread loads the previous batch.
"""

from __future__ import annotations

import argparse
import json
import queue
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import JSON, Connection, Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from bench.articledb.rows import Batch, Stories, source_rows
from services.store import repository
from services.store.models import Base
from shared.database import normalise_url
from shared.settings import Settings

TABLES = ("articles", "article_labels", "article_countries", "article_people", "article_organisations",
          "article_events")  # fmt: skip


class Loader(Protocol):
    def write(self, batch: Batch) -> None: ...
    def finish(self) -> dict[str, float]: ...


class SqliteLoader:
    """Executemany into SQLite with the FTS triggers off; rebuild the FTS index at the end."""

    def __init__(self, engine: Engine) -> None:
        self.conn: Connection = engine.connect()
        for pragma in ("journal_mode=WAL", "synchronous=OFF", "cache_size=-1048576", "temp_store=MEMORY"):
            self.conn.exec_driver_sql(f"PRAGMA {pragma}")
        self.triggers = self.conn.exec_driver_sql(
            "select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'articles'"
        ).all()
        for name, _sql in self.triggers:
            self.conn.exec_driver_sql(f"drop trigger {name}")
        self.conn.execute(insert(Base.metadata.tables["sources"]), source_rows())
        self.conn.commit()

    def write(self, batch: Batch) -> None:
        for table in TABLES:
            rows = getattr(batch, table)
            if rows:
                self.conn.execute(insert(Base.metadata.tables[table]), rows)
        self.conn.commit()

    def finish(self) -> dict[str, float]:
        steps: dict[str, float] = {}
        started = time.perf_counter()
        self.conn.exec_driver_sql("insert into articles_fts(articles_fts) values('rebuild')")
        for _name, sql in self.triggers:
            self.conn.exec_driver_sql(sql)
        self.conn.commit()
        steps["fts rebuild"] = time.perf_counter() - started
        started = time.perf_counter()
        self.conn.exec_driver_sql("ANALYZE")
        self.conn.commit()
        self.conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        steps["analyze"] = time.perf_counter() - started
        database = self.conn.engine.url.database or ""
        self.conn.close()
        files = Path(database).parent.glob(Path(database).name + "*")  # the DB, its -wal and -shm
        steps["size MB"] = sum(p.stat().st_size for p in files) / 1e6
        return steps


class PostgresLoader:
    """COPY into PostgreSQL without the full-text GIN index; rebuild it, set sequences, VACUUM ANALYZE."""

    def __init__(self, engine: Engine) -> None:
        self.raw = engine.raw_connection()
        self.pg: Any = self.raw.driver_connection
        with self.pg.cursor() as cur:
            cur.execute("set synchronous_commit = off")
            cur.execute("set maintenance_work_mem = '1GB'")
            cur.execute("select indexdef from pg_indexes where indexname = 'ix_articles_search'")
            self.search_index: str = cur.fetchone()[0]
            cur.execute("drop index ix_articles_search")
        self._copy("sources", source_rows())
        self.pg.commit()

    def _copy(self, table: str, rows: list[dict[str, Any]]) -> None:
        columns = list(rows[0])
        json_columns = {c.name for c in Base.metadata.tables[table].columns if isinstance(c.type, JSON)}
        with self.pg.cursor() as cur, cur.copy(f"copy {table} ({', '.join(columns)}) from stdin") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c in json_columns else row[c] for c in columns])

    def write(self, batch: Batch) -> None:
        for table in TABLES:
            rows = getattr(batch, table)
            if rows:
                self._copy(table, rows)
        self.pg.commit()

    def finish(self) -> dict[str, float]:
        steps: dict[str, float] = {}
        started = time.perf_counter()
        with self.pg.cursor() as cur:
            cur.execute(self.search_index)
            for table in ("articles", "sources"):
                cur.execute(f"select setval(pg_get_serial_sequence('{table}', 'id'), max(id)) from {table}")  # noqa: S608
        self.pg.commit()
        steps["gin index"] = time.perf_counter() - started
        started = time.perf_counter()
        self.pg.autocommit = True
        with self.pg.cursor() as cur:
            cur.execute("vacuum analyze")
            steps["vacuum analyze"] = time.perf_counter() - started
            cur.execute("select pg_database_size(current_database())")
            steps["size MB"] = cur.fetchone()[0] / 1e6
        self.raw.close()
        return steps


def load(url: str, count: int, seed: int, batch_size: int) -> None:
    """Migrate, check the DB is empty, generate and write `count` stories, finish, print the figures."""
    url = normalise_url(url)
    repository.ensure_schema(Settings(database_url=url, data_dir=Path(tempfile.gettempdir())))
    engine = create_engine(url)
    with engine.connect() as conn:
        if conn.execute(text("select count(*) from articles")).scalar():
            raise SystemExit(f"{url} already holds articles: load into an empty, migrated DB")
    sqlite = make_url(url).get_backend_name() == "sqlite"
    started = time.perf_counter()
    stories = Stories(seed)
    times = stories.times(count)
    loader: Loader = SqliteLoader(engine) if sqlite else PostgresLoader(engine)
    pending: queue.Queue[Batch | None] = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def writer() -> None:
        while (item := pending.get()) is not None:
            if not failure:
                try:
                    loader.write(item)
                except BaseException as exc:  # reported by the main thread
                    failure.append(exc)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    for first in range(0, count, batch_size):
        if failure:
            break
        pending.put(stories.batch(first + 1, times[first : first + batch_size]))
        done = min(first + batch_size, count)
        if done % 100_000 < batch_size or done == count:
            elapsed = time.perf_counter() - started
            print(f"{done:>9,} stories generated  {elapsed:7.1f} s  {done / elapsed:7,.0f}/s", flush=True)
    pending.put(None)
    thread.join()
    if failure:
        raise failure[0]
    inserted = time.perf_counter() - started
    steps = loader.finish()
    total = time.perf_counter() - started
    print(f"rows written in {inserted:.1f} s ({count / inserted:,.0f} stories/s)")
    for step, value in steps.items():
        print(f"{step}: {value:,.1f}" + ("" if "MB" in step else " s"))
    print(f"load total: {total:.1f} s ({total / 60:.1f} min) for {count:,} stories")
    engine.dispose()


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of an empty (or missing) article DB")
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=5000, help="stories per transaction")
    args = parser.parse_args()
    load(args.url, args.count, args.seed, args.batch)


if __name__ == "__main__":
    main()
