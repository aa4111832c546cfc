"""Benchmark: what re-polling unchanged feeds costs. 1,000 feeds on a loopback server are polled once
(all new), then again while they answer 304 Not Modified, then again with a changed ETag but the same
entries (fingerprints decide). Per pass: HTTP requests made, tasks run per task type (parse and store
count batch and single-entry tasks; from newswire's own metrics in Redis; goal: 0 parse tasks), CPU
seconds of the whole process tree, wall time, and the cost per feed beyond a one-feed baseline run.

Usage: .venv/bin/python bench/polling.py [--feeds 1000] [--per-feed 3]
Prints figures; asserts nothing."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import add_feeds, base_env, make_feed, run_once, stories  # noqa: E402
from newswire.processes import EmbeddedRedis  # noqa: E402
from shared.metrics import COUNTERS  # noqa: E402
from tests.support.feed_server import FeedServer, Route  # noqa: E402


def task_counts(client: redis.Redis) -> dict[str, int]:
    """Tasks finished so far, per task name (all states), from the metrics hash the workers write."""
    counts: dict[str, int] = {}
    for field, value in client.hgetall(COUNTERS).items():
        name, _, labels = field.decode().partition("|")
        if name == "newswire_tasks_total":
            task = dict(part.split("=", 1) for part in labels.split(","))["task"]
            counts[task] = counts.get(task, 0) + int(float(value))
    return counts


def _sum(ran: dict[str, int], *tasks: str) -> int:
    return sum(ran.get(task, 0) for task in tasks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--per-feed", type=int, default=3)
    args = parser.parse_args()
    texts = stories()
    with tempfile.TemporaryDirectory() as tmp, FeedServer() as server:
        workdir = Path(tmp)
        broker = EmbeddedRedis(workdir / "broker")
        broker.start()
        client = redis.Redis(unix_socket_path=str(broker.socket_path))
        try:
            env = base_env(broker.url)
            bodies = [make_feed(f, range(args.per_feed), texts) for f in range(args.feeds)]
            for f, body in enumerate(bodies):
                server.routes[f"/feed/{f}.xml"] = Route(body)
            # Baseline: the same run with one feed answering 304 (start-up, one poll, shutdown).
            solo = workdir / "solo"
            solo.mkdir()
            add_feeds(solo, env, [server.url("/feed/0.xml")])
            run_once(solo, env)
            idle = run_once(solo, env)
            urls = [server.url(f"/feed/{f}.xml") for f in range(args.feeds)]
            add_feeds(workdir, env, urls, fulltext="summary")
            print(f"{args.feeds} feeds x {args.per_feed} real stories on a loopback server; "
                  "each pass is one `newswire run --once`")  # fmt: skip
            print(f"{'pass':<44}{'requests':>9}{'304s':>6}{'poll':>6}{'parse':>7}{'store':>7}"
                  f"{'receipts':>9}{'CPU s':>7}{'wall s':>7}")  # fmt: skip
            passes = [("1 first poll (all new)", None), ("2 unchanged: 304 Not Modified", None),
                      ("3 unchanged entries, new ETag (fingerprints)", b"\n")]  # fmt: skip
            costs: list[tuple[float, float]] = []
            for label, suffix in passes:
                if suffix:
                    for f, body in enumerate(bodies):
                        server.routes[f"/feed/{f}.xml"] = Route(body + suffix)
                before, requests, not_modified = (
                    task_counts(client),
                    len(server.requests),
                    server.not_modified,
                )
                run = run_once(workdir, env)
                after = task_counts(client)
                ran = {k: after.get(k, 0) - before.get(k, 0) for k in after}
                made, not_modified = len(server.requests) - requests, server.not_modified - not_modified
                parses = _sum(ran, "parser.parse_batch", "parser.parse_entry")
                print(f"{label:<44}{made:>9}{not_modified:>6}{ran.get('fetcher.poll_feed', 0):>6}{parses:>7}"
                      f"{_sum(ran, 'store.save_batch', 'store.save_article'):>7}"
                      f"{_sum(ran, 'fetcher.batch_stored', 'fetcher.entry_stored'):>9}"
                      f"{run.cpu:>7.1f}{run.wall:>7.1f}", flush=True)  # fmt: skip
                costs.append((run.cpu - idle.cpu, run.wall - idle.wall))
            print(
                f"baseline, one feed answering 304 (start-up, one poll, shutdown): {idle.cpu:.1f} CPU s, "
                f"{idle.wall:.1f} s wall"
            )
            for (label, _), (cpu, wall) in zip(passes, costs, strict=True):
                print(f"  pass {label[0]} beyond that: {cpu:.1f} CPU s, {wall:.1f} s wall"
                      f" = {cpu / args.feeds * 1000:.1f} ms CPU per feed")  # fmt: skip
        finally:
            broker.stop()


if __name__ == "__main__":
    main()
