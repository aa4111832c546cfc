"""What the pipeline benchmarks share: real-text feeds, a broker of their own, a fresh database, runs of
`newswire run --once` with CPU and per-worker peak memory measured, and percentiles."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
STORIES = ROOT / "bench" / "data" / "classify" / "dev.jsonl"
NEWSWIRE = str(Path(sys.executable).with_name("newswire"))
PG_ADMIN = os.environ.get("NEWSWIRE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def stories() -> list[dict]:
    """The 314 real stories of the classifier's development set: real lengths, real vocabulary."""
    return [json.loads(line) for line in STORIES.read_text().splitlines() if line.strip()]


def make_feed(
    feed: int, entries: Iterable[int], texts: list[dict], *, full: bool = True, base: str = "http://127.0.0.1"
) -> bytes:
    """One RSS feed: each entry a real story (cycled) under its own GUID, link and date.

    full=True carries the whole story in content:encoded (no page fetch); False only a one-line summary,
    so the fetcher fetches the article page behind the link."""
    day0 = datetime(2026, 11, 1, tzinfo=UTC)
    items = []
    for i in entries:
        story = texts[(feed * 7919 + i) % len(texts)]
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in story["text"].split("\n") if p.strip())
        body = f"<content:encoded><![CDATA[{paragraphs}]]></content:encoded>" if full else ""
        items.append(
            f"<item><title>{escape(story['title'][:150])} ({feed}-{i})</title>"
            f"<link>{base}/f{feed}/{i}.html</link><guid>bench-{feed}-{i}</guid>"
            f"<pubDate>{format_datetime(day0 + timedelta(minutes=i))}</pubDate>"
            f"<description>{escape(story['text'][:160])}</description>{body}</item>"
        )
    channel = f"<channel><title>Bench {feed}</title><link>http://127.0.0.1/</link>{''.join(items)}</channel>"
    ns = 'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" {ns}>{channel}</rss>'.encode()


def base_env(redis_url: str, **settings: object) -> dict[str, str]:
    """The environment of every run: no seeded feeds, loopback allowed, no per-host politeness delay
    (the one loopback server stands in for many outlets), our broker."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update(
        NEWSWIRE_SEED_DEFAULT_FEEDS="false", NEWSWIRE_ALLOWED_NETWORKS="127.0.0.0/8",
        NEWSWIRE_HOST_MIN_DELAY_SECONDS="0", NEWSWIRE_HOST_MAX_CONCURRENT="64", NEWSWIRE_REDIS_URL=redis_url,
        NEWSWIRE_RESPECT_ROBOTS="false", NEWSWIRE_ONCE_TIMEOUT_SECONDS="3600",
    )  # fmt: skip
    env.update({f"NEWSWIRE_{k.upper()}": str(v) for k, v in settings.items()})
    return env


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database on the local server, dropped afterwards."""
    import sqlalchemy as sa

    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def worker_kind(cmdline: list[str]) -> str | None:
    """fetch / parse / store / beat / redis / supervisor from a process's command line."""
    if cmdline and "redis-server" in cmdline[0]:
        return "redis"
    if "-Q" in cmdline:
        return cmdline[cmdline.index("-Q") + 1]
    if "beat" in cmdline:
        return "beat"
    return None


@dataclass
class MemorySampler:
    """Peak RSS per process, grouped by worker kind, for a process tree (sampled every 0.2 s)."""

    root: int
    peaks: dict[int, tuple[str, int]] = field(default_factory=dict)
    cpu: dict[int, tuple[str, float]] = field(default_factory=dict)  # last CPU seconds seen per process
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            try:
                tree = psutil.Process(self.root).children(recursive=True)
            except psutil.NoSuchProcess:
                return
            for proc in tree:
                try:
                    kind = worker_kind(proc.cmdline()) or "other"
                    rss = proc.memory_info().rss
                    times = proc.cpu_times()
                except psutil.Error:
                    continue
                self.cpu[proc.pid] = (kind, times.user + times.system)
                old = self.peaks.get(proc.pid, (kind, 0))[1]
                self.peaks[proc.pid] = (kind, max(old, rss))

    def cpu_by_kind(self) -> dict[str, float]:
        """kind -> CPU seconds of its processes (as last sampled, so up to 0.2 s short each)."""
        out: dict[str, float] = {}
        for kind, seconds in self.cpu.values():
            out[kind] = out.get(kind, 0.0) + seconds
        return out

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """kind -> (largest single process, number of processes) in bytes."""
        out: dict[str, tuple[int, int]] = {}
        for kind, rss in self.peaks.values():
            biggest, count = out.get(kind, (0, 0))
            out[kind] = (max(biggest, rss), count + 1)
        return out


@dataclass
class OnceRun:
    """One `newswire run --once`: its JSON report, wall time, CPU seconds of the whole tree, memory."""

    report: dict
    wall: float
    cpu: float
    memory: dict[str, tuple[int, int]]
    cpu_by_kind: dict[str, float] = field(default_factory=dict)


def run_once(workdir: Path, env: dict[str, str], *, expect_feeds: bool = True) -> OnceRun:
    """Run the product as a user does and measure it from outside."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [NEWSWIRE, "run", "--once", "--format", "json"], cwd=workdir, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    with MemorySampler(proc.pid) as sampler:
        out, err = proc.communicate()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0 and (expect_feeds or "no enabled feeds" not in err):
        raise RuntimeError(f"newswire run --once failed ({proc.returncode}): {err[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return OnceRun(json.loads(out), wall, cpu, sampler.by_kind(), sampler.cpu_by_kind())


def add_feeds(
    workdir: Path, env: dict[str, str], urls: list[str], fulltext: str = "auto", interval: int = 600
) -> None:
    """Register feeds through the product's own registry (one process, not one CLI call per feed)."""
    code = (
        "import sys, json\n"
        "from services.fetcher import registry\n"
        "from shared.settings import Settings\n"
        "s = Settings()\n"
        "registry.ensure_schema(s)\n"
        "with registry.session_factory(s).begin() as session:\n"
        "    for i, url in enumerate(json.load(sys.stdin)):\n"
        f"        registry.add_feed(session, url, f'Bench {{i}}', {interval}, fulltext={fulltext!r})\n"
    )
    subprocess.run([sys.executable, "-c", code], input=json.dumps(urls), cwd=workdir, env=env,
                   text=True, check=True, capture_output=True)  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def mib(n: int) -> str:
    """Bytes as MiB for the table."""
    return f"{n / 2**20:.0f}"
