"""Benchmark: does the cost per entry stay flat as the burst grows? The same end-to-end run as
bench/pipeline.py (feed bytes on a loopback server to committed rows) at 1k, 10k and 100k entries:
entries/s, CPU ms per entry, peak RSS per worker type, database size.

Usage: .venv/bin/python bench/growth.py [--sizes 1000,10000,100000] [--workers 2] [--backend sqlite]
Prints figures; asserts nothing."""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import mib, percentile, postgres_database  # noqa: E402
from bench.pipeline import one_run  # noqa: E402
from newswire.processes import EmbeddedRedis  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--workers", type=int, default=2, help="parse worker processes")
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--batch", type=int, default=20, help="NEWSWIRE_BATCH_SIZE")
    parser.add_argument("--pg-analyze-every", type=float, default=0, help="see bench/pipeline.py")
    args = parser.parse_args()
    print(f"{'entries':>8}{'entries/s':>10}{'CPU ms/entry':>13}{'p50 s':>7}{'p95 s':>7}{'DB MiB':>8}"
          "  peak RSS MiB (largest process x count)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        broker = EmbeddedRedis(Path(tmp) / "broker")
        broker.start()
        try:
            for size in (int(s) for s in args.sizes.split(",")):
                run_args = argparse.Namespace(feeds=args.feeds, entries=size, pages=False, batch=args.batch,
                                              pg_analyze_every=args.pg_analyze_every)  # fmt: skip
                workdir = Path(tmp) / f"run-{size}"
                workdir.mkdir()
                with postgres_database() if args.backend == "postgres" else nullcontext(None) as url:
                    run, lat = one_run(broker, url, args.workers, run_args, workdir)
                    db = _db_bytes(url, workdir)
                # first feed request to last commit, as bench/pipeline.py counts it (no worker start-up)
                stored, rate = run.report["stored_total"], size / max(lat)
                mem = "  ".join(
                    f"{k} {mib(b)}x{n}" for k, (b, n) in sorted(run.memory.items()) if k != "other"
                )
                flag = "" if stored == size else f"  (stored {stored}!)"
                print(f"{size:>8}{rate:>10.0f}{run.cpu / size * 1000:>13.1f}{percentile(lat, 50):>7.0f}"
                      f"{percentile(lat, 95):>7.0f}{db / 2**20:>8.0f}  {mem}{flag}", flush=True)  # fmt: skip
        finally:
            broker.stop()


def _db_bytes(url: str | None, workdir: Path) -> int:
    """The article DB's size on disk (SQLite file + WAL, or pg_database_size)."""
    if url is None:
        return sum(p.stat().st_size for p in (workdir / "data").glob("newswire.db*"))
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(sa.text("select pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    return int(size)


if __name__ == "__main__":
    main()
