"""Benchmark: `newswire run --once` on a loopback feed of N entries, plus the parse stage alone.

Usage: .venv/bin/python bench/pipeline.py [--entries 500]
Prints figures; asserts nothing (numbers go into notes, not tests).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.fetcher.feed_parse import parse_feed  # noqa: E402
from services.parser.parse_entry import parse_entry  # noqa: E402
from shared.messages import RawEntry  # noqa: E402
from tests.support.feed_server import FeedServer, Route  # noqa: E402

SAMPLE = (ROOT / "tests" / "fixtures" / "azernews-sample.rss").read_text()


def make_feed(entries: int) -> bytes:
    """A real-shaped RSS feed: the sample story's body under N distinct GUIDs and titles."""
    start, end = SAMPLE.index("<item>"), SAMPLE.index("</item>") + len("</item>")
    item = SAMPLE[start:end]
    items = []
    for i in range(entries):
        items.append(
            item.replace("157965", str(200000 + i)).replace(
                "sign military cooperation plan for 2020", escape(f"sign military cooperation plan, part {i}")
            )
        )
    return (SAMPLE[:start] + "\n".join(items) + SAMPLE[SAMPLE.rindex("</channel>") :]).encode()


def run_once(workdir: Path) -> tuple[float, dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update(NEWSWIRE_SEED_DEFAULT_FEEDS="false", NEWSWIRE_ALLOWED_NETWORKS="127.0.0.0/8")
    newswire = str(Path(sys.executable).with_name("newswire"))
    started = time.perf_counter()
    out = subprocess.run([newswire, "run", "--once", "--format", "json"], cwd=workdir, env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return time.perf_counter() - started, json.loads(out.stdout)


def bench_parse_stage(feed: bytes, rounds: int = 3) -> float:
    entries = parse_feed(feed, {"content-type": "application/rss+xml"}, "http://127.0.0.1/").entries
    raws = [
        RawEntry(feed_id=1, feed_url="u", source="Azernews", entry_key=e.key, guid=e.guid, link=e.link,
                 title=e.title, summary_html=e.summary_html, content_html=e.content_html,
                 published_raw=e.published_raw, content_hash=e.content_hash, fetched_at=datetime.now(UTC))
        for e in entries
    ]  # fmt: skip
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for raw in raws:
            parse_entry(raw)
        best = min(best, time.perf_counter() - started)
    return len(raws) / best


def sequential_floor(feed: bytes, workdir: Path) -> float:
    """The same parse + classify + store code in one process, no bus: entries/s (the floor to beat)."""
    from services.store import repository
    from shared.settings import Settings

    settings = Settings(data_dir=workdir / "floor")
    repository.ensure_schema(settings)
    sessions = repository.session_factory(settings)
    entries = parse_feed(feed, {"content-type": "application/rss+xml"}, "http://127.0.0.1/").entries
    started = time.perf_counter()
    for e in entries:
        raw = RawEntry(
            feed_id=1, feed_url="u", source="Bench", entry_key=e.key, guid=e.guid, link=e.link, title=e.title,
            summary_html=e.summary_html, content_html=e.content_html, published_raw=e.published_raw,
            content_hash=e.content_hash, fetched_at=datetime.now(UTC),
        )  # fmt: skip
        with sessions.begin() as session:
            repository.upsert_article(session, parse_entry(raw))
    return len(entries) / (time.perf_counter() - started)


def noop_ceiling(chains: int, workdir: Path) -> float:
    """Three no-op tasks chained over the three queues, one solo worker each: chains/s (the ceiling)."""
    import redis

    from newswire.processes import EmbeddedRedis, celery_child
    from shared.celery_app import create_app
    from shared.settings import Settings

    server = EmbeddedRedis(workdir / "noop")
    url = server.start()
    client = redis.Redis(unix_socket_path=str(server.socket_path))
    env = {**Settings().child_env(), "BENCH_REDIS_URL": url,
           "BENCH_COUNTER_URL": f"unix://{server.socket_path}", "PYTHONPATH": str(ROOT)}  # fmt: skip
    workers = []
    for q in ("fetch", "parse", "store"):
        args = ["worker", "-Q", q, "-P", "solo", "-n", f"{q}@%h", "--without-gossip", "--without-mingle"]
        workers.append(
            celery_child(q, "bench.noop.tasks:app", [*args, "-l", "WARNING"], env, workdir / f"{q}.log")
        )
    app = create_app(Settings(redis_url=url), name="bench-producer")
    with app.producer_or_acquire() as producer:
        for i in range(chains):
            app.send_task("noop.a", args=[{"i": i}], queue="fetch", producer=producer)
    for worker in workers:
        worker.start()
    try:
        while int(client.get("bench:done") or 0) < 1:
            time.sleep(0.005)
        started, first = time.perf_counter(), int(client.get("bench:done") or 0)
        while int(client.get("bench:done") or 0) < chains:
            time.sleep(0.005)
        return (chains - first) / (time.perf_counter() - started)
    finally:
        for worker in workers:
            worker.stop(20)
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=500)
    args = parser.parse_args()
    feed = make_feed(args.entries)
    print(f"feed: {args.entries} entries, {len(feed) / 1024:.0f} KiB (the sample story's body each)")
    print(f"parse stage alone (one process): {bench_parse_stage(feed):.0f} entries/s")
    with FeedServer() as server, tempfile.TemporaryDirectory() as tmp:
        server.routes["/rss"] = Route(feed)
        workdir = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
        env["NEWSWIRE_SEED_DEFAULT_FEEDS"] = "false"
        newswire = str(Path(sys.executable).with_name("newswire"))
        add = [newswire, "feeds", "add", server.url("/rss"), "--name", "Bench"]
        subprocess.run(add, cwd=workdir, env=env, check=True, capture_output=True)
        wall, report = run_once(workdir)
        pipeline = report["seconds"]
        print(f"run --once, first (all new): {wall:.2f} s wall, {pipeline:.2f} s from first poll to last "
              f"stored -> {args.entries / pipeline:.0f} entries/s through fetch+parse+store; "
              f"stored {report['stored_total']}")  # fmt: skip
        wall2, report2 = run_once(workdir)
        print(f"run --once, second (HTTP {report2['feeds'][0]['status']}, nothing sent): {wall2:.2f} s wall, "
              f"{report2['seconds']:.2f} s polling")  # fmt: skip
        server.routes["/rss"] = Route(feed + b"\n")  # new ETag, same entries: fingerprints decide
        wall3, report3 = run_once(workdir)
        row = report3["feeds"][0]
        print(f"run --once, third (HTTP {row['status']}, {row['unchanged']} unchanged fingerprints): "
              f"{wall3:.2f} s wall, {report3['seconds']:.2f} s polling")  # fmt: skip
        floor = sequential_floor(feed, workdir)
        ceiling = noop_ceiling(2000, workdir)
        through = args.entries / pipeline
        print(f"sequential floor (same code, one process, no bus, SQLite): {floor:.0f} entries/s")
        print(f"no-op ceiling (3 chained no-op tasks, one solo worker per queue): {ceiling:.0f} chains/s")
        print(f"pipeline / floor = {through / floor:.2f}x   pipeline / ceiling = {through / ceiling:.0%}")


if __name__ == "__main__":
    main()
