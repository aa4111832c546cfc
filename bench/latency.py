"""Benchmark: how long an analyst waits. `newswire run` (beat, workers, embedded Redis, SQLite) polls
feeds on a loopback server every 60 s while new stories appear on them at random moments; each story's
latency is from the moment the server starts serving it to its row's commit (first_seen_at).

Usage: .venv/bin/python bench/latency.py [--minutes 8] [--feeds 10] [--interval 60]
Prints figures; asserts nothing."""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import NEWSWIRE, add_feeds, base_env, make_feed, percentile, stories  # noqa: E402
from newswire.processes import EmbeddedRedis  # noqa: E402
from tests.support.feed_server import FeedServer, Route  # noqa: E402


class Publisher(threading.Thread):
    """Adds one story to a random feed every 1-9 s and remembers when each became visible."""

    def __init__(self, server: FeedServer, feeds: int, until: float) -> None:
        super().__init__(daemon=True)
        self.server, self.feeds, self.until = server, feeds, until
        self.items: dict[int, list[int]] = {f: [] for f in range(feeds)}
        self.appeared: dict[str, float] = {}  # link -> wall time
        self.texts, self.rng, self.next_index = stories(), random.Random(7), 1000  # noqa: S311 - not crypto

    def serve(self, feed: int) -> None:
        body = make_feed(feed, reversed(self.items[feed]), self.texts)  # newest first, as outlets do
        self.server.routes[f"/feed/{feed}.xml"] = Route(body)

    def run(self) -> None:
        while time.time() < self.until:
            time.sleep(self.rng.uniform(1, 9))
            feed = self.rng.randrange(self.feeds)
            self.items[feed].append(self.next_index)
            self.serve(feed)
            self.appeared[f"http://127.0.0.1/f{feed}/{self.next_index}.html"] = time.time()
            self.next_index += 1


def committed(workdir: Path) -> dict[str, float]:
    """link -> commit time of every stored article."""
    from sqlalchemy import select

    from services.store import repository
    from services.store.models import Article
    from shared.settings import Settings

    settings = Settings(data_dir=workdir / "data")
    with repository.session_factory(settings)() as session:
        rows = session.execute(select(Article.url, Article.first_seen_at)).all()
    return {url: seen.timestamp() for url, seen in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=8)
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--interval", type=int, default=60, help="each feed's poll interval (s)")
    args = parser.parse_args()
    tail = 2.5 * args.interval  # after the last story: time for its feed's next poll
    with tempfile.TemporaryDirectory() as tmp, FeedServer() as server:
        workdir = Path(tmp)
        broker = EmbeddedRedis(workdir / "broker")
        broker.start()
        env = base_env(broker.url)
        publisher = Publisher(server, args.feeds, time.time() + args.minutes * 60 - tail)
        for f in range(args.feeds):
            publisher.serve(f)
        add_feeds(
            workdir, env, [server.url(f"/feed/{f}.xml") for f in range(args.feeds)], interval=args.interval
        )
        run = subprocess.Popen([NEWSWIRE, "run"], cwd=workdir, env=env,  # our own CLI
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            publisher.start()
            publisher.join()
            time.sleep(tail)
        finally:
            run.send_signal(signal.SIGINT)  # the supervisor we started: warm shutdown of its children
            run.wait(timeout=120)
            broker.stop()
        stored = committed(workdir)
    waits = [stored[link] - at for link, at in publisher.appeared.items() if link in stored]
    polls = [path for path, _ in server.requests if path.startswith("/feed/")]
    p50, p95 = percentile(waits, 50), percentile(waits, 95)
    minutes, per_feed = args.minutes - tail / 60, args.minutes * 60 * args.feeds / max(1, len(polls))
    print(f"{len(publisher.appeared)} stories appeared over {minutes:.1f} min on {args.feeds} feeds polled "
          f"every {args.interval} s (beat every 60 s); {len(waits)} stored")  # fmt: skip
    print(f"feed polls: {len(polls)} = one per {per_feed:.0f} s per feed (start-up and tail included)")
    print(f"latency, appeared -> committed: p50 {p50:.1f} s, p95 {p95:.1f} s, "
          f"max {max(waits, default=float('nan')):.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
