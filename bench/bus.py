"""Benchmark: the bus alone. Three no-op tasks chained over newswire's three queues on a real Redis, one
solo worker per queue: chains/s is the ceiling the pipeline is compared with. With --pages, the same chain
with a real ~100 KB article page on the first hop: in the message as text, zlib+base64 (what newswire
does), or by reference (a Redis key the next task reads): the figures behind that choice.

Usage: .venv/bin/python bench/bus.py [--chains 3000] [--pages]
Prints figures; asserts nothing."""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
import time
import zlib
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newswire.processes import EmbeddedRedis, celery_child  # noqa: E402
from shared.celery_app import create_app  # noqa: E402
from shared.settings import Settings  # noqa: E402

PAGE = ROOT / "bench" / "extraction" / "pages" / "goose-lefigaro-fr.html"  # a real 99 KB article page
MODES = ("none", "plain", "zlib", "ref")


def chains_per_second(url: str, socket: Path, chains: int, workdir: Path, mode: str = "none") -> float:
    """Queue `chains` chains, start the three workers, time the steady state: chains/s end to end."""
    client = redis.Redis(unix_socket_path=str(socket))
    client.flushall()
    env = {**Settings().child_env(), "BENCH_REDIS_URL": url,
           "BENCH_COUNTER_URL": f"unix://{socket}", "PYTHONPATH": str(ROOT),
           "BENCH_PAGE": str(PAGE)}  # fmt: skip
    workers = []
    for q in ("fetch", "parse", "store"):
        args = ["worker", "-Q", q, "-P", "solo", "-n", f"{q}@%h", "--without-gossip", "--without-mingle"]
        workers.append(
            celery_child(q, "bench.noop.tasks:app", [*args, "-l", "WARNING"], env, workdir / f"{q}.log")
        )
    app = create_app(Settings(redis_url=url), name="bench-producer")
    with app.producer_or_acquire() as producer:
        for i in range(chains):
            app.send_task("noop.a", args=[{"i": i, "mode": mode}], queue="fetch", producer=producer)
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
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chains", type=int, default=3000)
    parser.add_argument("--pages", action="store_true", help="also the message-size comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp))
        url = server.start()
        try:
            modes = MODES if args.pages else ("none",)
            page = PAGE.read_bytes()
            sizes = {"none": 0, "plain": len(page), "zlib": len(base64.b64encode(zlib.compress(page, 6))),
                     "ref": 0}  # fmt: skip
            print(
                f"bus: {args.chains} chains of 3 no-op tasks, embedded Redis (AOF on), one solo worker/queue"
            )
            print(f"{'first hop carries':<34} {'page bytes in msg':>17} {'chains/s':>9}")
            base = None
            for mode in modes:
                rate = chains_per_second(url, server.socket_path, args.chains, Path(tmp), mode)
                base = base or rate
                label = {"none": "nothing (ceiling)", "plain": "page as text", "zlib": "page zlib+base64",
                         "ref": "page by reference (Redis key)"}[mode]  # fmt: skip
                print(f"{label:<34} {sizes[mode]:>17,} {rate:>9.0f}  ({rate / base:.0%})")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
