"""Benchmark: end to end, feed bytes on a loopback server to committed rows, through `newswire run --once`
(real Redis, real Celery workers, real database), with 1, 2 and 4 parse worker processes, on SQLite and
PostgreSQL; against the floor (the same parse + classify + store code called in one process, no bus)
and the ceiling (three chained no-op Celery tasks on the same kind of Redis, bench/bus.py).

Also per run: latency from the first feed request to each row's commit (p50/p95 under the burst),
CPU seconds of the whole process tree and per worker kind, and the peak RSS of each worker type.
Throughput is entries over the time from the first feed request to the last commit (the floor is timed
the same way); the `run --once` time, which also holds the workers' start-up, is printed beside it.

Usage: .venv/bin/python bench/pipeline.py [--entries 2000] [--feeds 20] [--workers 1,2,4]
       [--backends sqlite,postgres] [--pages] [--batch 20]
Prints figures; asserts nothing (numbers go into notes, not tests)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, nullcontext
from datetime import UTC, datetime
from pathlib import Path

import redis as redis_lib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bus import chains_per_second  # noqa: E402
from bench.harness import (  # noqa: E402
    OnceRun,
    add_feeds,
    base_env,
    make_feed,
    mib,
    percentile,
    postgres_database,
    run_once,
    stories,
)
from newswire.processes import EmbeddedRedis  # noqa: E402
from services.fetcher.feed_parse import parse_feed  # noqa: E402
from services.parser.parse_entry import parse_entry  # noqa: E402
from shared.messages import RawEntry  # noqa: E402
from tests.support.feed_server import FeedServer, Route  # noqa: E402


def serve_burst(server: FeedServer, feeds: int, entries: int, *, pages: bool) -> list[bytes]:
    """`entries` real stories over `feeds` feeds; with pages, summary-only feeds and an article page each."""
    texts, per_feed = stories(), entries // feeds
    bodies = []
    for f in range(feeds):
        body = make_feed(f, range(per_feed), texts, full=not pages, base=server.base_url)
        server.routes[f"/feed/{f}.xml"] = Route(body)
        bodies.append(body)
        if pages:
            for i in range(per_feed):
                story = texts[(f * 7919 + i) % len(texts)]
                paragraphs = "".join(f"<p>{p}</p>" for p in story["text"].split("\n") if p.strip())
                html = (f"<html><head><title>{story['title'][:150]}</title></head>"
                        "<body><nav>Home | World</nav>"
                        f"<article><h1>{story['title'][:150]}</h1>{paragraphs}</article>"
                        "<footer>© Bench</footer></body></html>")  # fmt: skip
                server.routes[f"/f{f}/{i}.html"] = Route(
                    html.encode(), content_type="text/html; charset=utf-8"
                )
    return bodies


def sequential_floor(server: FeedServer, feeds: int, database_url: str | None, workdir: Path, *,
                     pages: bool) -> float:  # fmt: skip
    """The same fetch -> parse_feed -> (article page) -> parse_entry -> upsert code in this process, one
    transaction per article, no bus: the floor the pipeline must beat."""
    from services.fetcher.article_page import attach_page
    from services.fetcher.conditional_get import build_client, fetch
    from services.fetcher.network_guard import parse_networks
    from services.store import repository
    from shared.messages import PageRequest
    from shared.settings import Settings

    settings = Settings(data_dir=workdir, database_url=database_url, allowed_networks=["127.0.0.0/8"],
                        respect_robots=False)  # fmt: skip
    repository.ensure_schema(settings)
    sessions = repository.session_factory(settings)
    count, started = 0, time.perf_counter()
    with build_client(settings, parse_networks(settings.allowed_networks)) as client:
        for n in range(feeds):
            url = server.url(f"/feed/{n}.xml")
            got = fetch(client, url, max_bytes=settings.http_max_body_bytes, total_timeout=60)
            for e in parse_feed(got.body, got.headers, url).entries:
                raw = RawEntry(
                    feed_id=n + 1, feed_url=url, source=f"Bench {n}", entry_key=e.key, guid=e.guid,
                    link=e.link, title=e.title, summary_html=e.summary_html, content_html=e.content_html,
                    published_raw=e.published_raw, content_hash=e.content_hash, fetched_at=datetime.now(UTC),
                )  # fmt: skip
                if pages:
                    raw, _ = attach_page(client, PageRequest(entry=raw), settings)
                with sessions.begin() as session:
                    repository.upsert_article(session, parse_entry(raw))
                count += 1
    rate = count / (time.perf_counter() - started)
    repository.engine_for.cache_clear()
    return rate


def commit_latencies(database_url: str | None, workdir: Path, first_request_wall: float) -> list[float]:
    """Seconds from the first feed request to each article's commit (its first_seen_at)."""
    from sqlalchemy import select

    from services.store import repository
    from services.store.models import Article
    from shared.settings import Settings

    settings = Settings(data_dir=workdir / "data", database_url=database_url)
    with repository.session_factory(settings)() as session:
        seen = session.scalars(select(Article.first_seen_at)).all()
    repository.engine_for.cache_clear()
    return [t.timestamp() - first_request_wall for t in seen]


class Analyzer:
    """ANALYZE the PostgreSQL database every few seconds during a run: stands in for autovacuum's analyze
    on a server where autovacuum is off (as on the benchmark machine); no-op for SQLite or 0."""

    def __init__(self, url: str | None, every: float) -> None:
        self.url, self.every, self.stop = url, every, threading.Event()

    def __enter__(self) -> Analyzer:
        if self.url and self.every:
            threading.Thread(target=self._run, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()

    def _run(self) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        while not self.stop.wait(self.every):
            with engine.connect() as conn:
                conn.execute(sa.text("ANALYZE"))
        engine.dispose()


def one_run(redis: EmbeddedRedis, database_url: str | None, workers: int, args: argparse.Namespace,
            workdir: Path) -> tuple[OnceRun, list[float]]:  # fmt: skip
    """A fresh broker db, database and feed set; one `run --once`; its latencies."""
    redis_lib.Redis(unix_socket_path=str(redis.socket_path)).flushall()
    extra = {"database_url": database_url} if database_url else {}
    env = base_env(redis.url, parse_concurrency=workers, batch_size=args.batch, **extra)
    with FeedServer() as server:
        serve_burst(server, args.feeds, args.entries, pages=args.pages)
        # The feed path alone, or every entry through its article page: no mix decided by text length.
        urls = [server.url(f"/feed/{f}.xml") for f in range(args.feeds)]
        add_feeds(workdir, env, urls, fulltext="page" if args.pages else "summary")
        offset = time.time() - time.monotonic()
        with Analyzer(database_url, args.pg_analyze_every):
            run = run_once(workdir, env)
        first_request = min(server.starts) + offset
    return run, commit_latencies(database_url, workdir, first_request)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--workers", default="1,2,4", help="parse worker processes per run")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--pages", action="store_true", help="summary-only feeds: fetch every article page")
    parser.add_argument("--chains", type=int, default=3000, help="chains for the no-op ceiling")
    parser.add_argument("--batch", type=int, default=20, help="NEWSWIRE_BATCH_SIZE for the runs")
    parser.add_argument("--pg-analyze-every", type=float, default=0,
                        help="seconds between ANALYZEs on PostgreSQL (autovacuum's stand-in)")  # fmt: skip
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    backends = args.backends.split(",")
    with tempfile.TemporaryDirectory() as tmp, FeedServer() as shape:
        tmpdir = Path(tmp)
        kib = sum(map(len, serve_burst(shape, args.feeds, args.entries, pages=args.pages))) / 1024
        print(f"burst: {args.entries} real stories over {args.feeds} feeds ({kib:.0f} KiB of feed XML), "
              f"{'article pages fetched' if args.pages else 'full text in the feed'}, "
              f"NEWSWIRE_BATCH_SIZE={args.batch}")  # fmt: skip
        redis = EmbeddedRedis(tmpdir / "broker")
        redis.start()
        try:
            ceiling = chains_per_second(redis.url, redis.socket_path, args.chains, tmpdir)
            print(
                f"ceiling: {ceiling:.0f} chains/s (3 chained no-op tasks, same Redis, one solo worker/queue)"
            )
            rows = []
            for backend in backends:
                with postgres_database() if backend == "postgres" else nullcontext(None) as url:
                    floor = sequential_floor(
                        shape, args.feeds, url, tmpdir / f"floor-{backend}", pages=args.pages
                    )
                print(f"floor ({backend}): {floor:.0f} entries/s (same code, one process, no bus)")
                for n in workers:
                    with ExitStack() as stack:
                        url = stack.enter_context(postgres_database()) if backend == "postgres" else None
                        workdir = tmpdir / f"{backend}-{n}"
                        workdir.mkdir()
                        run, lat = one_run(redis, url, n, args, workdir)
                    rows.append((backend, n, run, lat, floor, ceiling))
                    print(_row(*rows[-1], entries=args.entries), flush=True)
        finally:
            redis.stop()
    print("\n" + _HEADER)
    for row in rows:
        print(_row(*row, entries=args.entries))


_HEADER = (f"{'backend':<9}{'parse procs':>11}{'entries/s':>10}{'x floor':>8}{'% ceiling':>10}"
           f"{'p50 s':>7}{'p95 s':>7}{'CPU s':>7}  peak RSS MiB (largest process x count)")  # fmt: skip


def _row(
    backend: str, n: int, run: OnceRun, lat: list[float], floor: float, ceiling: float, entries: int
) -> str:
    stored = run.report["stored_total"]
    # From the first feed request to the last commit, as the floor is timed: `run --once` also counts the
    # workers' start-up (polls wait in the queue ~1.3 s until the fetch worker consumes) and its own
    # 0.2 s settle checks, which are not the pipeline's throughput. Both are printed.
    rate = entries / max(lat, default=float("nan"))
    mem = "  ".join(
        f"{k} {mib(big)}x{count}" for k, (big, count) in sorted(run.memory.items()) if k != "other"
    )
    flag = "" if stored == entries else f"  (stored {stored} of {entries}!)"
    cpu = " ".join(f"{k} {v:.1f}" for k, v in sorted(run.cpu_by_kind.items()))
    first, last = min(lat, default=float("nan")), max(lat, default=float("nan"))
    span = (f"first commit {first:.1f} s, last {last:.1f} s"
            f" after the first request; run --once reported {run.report['seconds']:.1f} s"
            f" ({entries / run.report['seconds']:.0f} entries/s with start-up)")  # fmt: skip
    return (f"{backend:<9}{n:>11}{rate:>10.0f}{rate / floor:>8.2f}{rate / ceiling:>10.0%}"
            f"{percentile(lat, 50):>7.1f}{percentile(lat, 95):>7.1f}{run.cpu:>7.0f}"
            f"  {mem}{flag}\n{'':>9}CPU s by process kind (start-up included): {cpu}; {span}")  # fmt: skip


if __name__ == "__main__":
    main()
