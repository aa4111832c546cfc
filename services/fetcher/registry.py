"""The feed registry: which feeds exist, which are enabled, and which are due for a poll."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from services.fetcher.models import EntryState, Feed, Meta
from shared.database import make_engine, upgrade
from shared.settings import Settings

MIGRATIONS = Path(__file__).with_name("migrations")
DEFAULT_FEEDS = Path(__file__).with_name("default_feeds.toml")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RegistryError(Exception):
    """A registry request that cannot be done (unknown feed, duplicate URL, bad interval)."""


def parse_interval(text: str) -> int:
    """Seconds in an interval like '90s', '10m', '2h30m', '1d' (a bare number means minutes)."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text) * 60
    parts = re.findall(r"(\d+)\s*([smhd])", text)
    if not parts or "".join(n + u for n, u in parts) != re.sub(r"\s+", "", text):
        raise RegistryError(f"bad interval {text!r}: use e.g. 90s, 10m, 2h30m, 1d")
    seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if seconds < 60:
        raise RegistryError(f"interval {text!r} is under a minute: be polite to the outlets")
    return seconds


def format_interval(seconds: int) -> str:
    """The inverse of parse_interval, for listings."""
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out += f"{seconds // size}{unit}"
            seconds %= size
    return out or "0s"


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine per fetcher DB URL per process."""
    return make_engine(url)


def session_factory(settings: Settings) -> sessionmaker[Session]:
    """Sessions on the fetcher's state DB."""
    return sessionmaker(engine_for(settings.fetcher_db_url), expire_on_commit=False)


def ensure_schema(settings: Settings) -> None:
    """Migrate the fetcher DB to head and seed the default feeds once (never re-adds removed ones)."""
    upgrade(settings.fetcher_db_url, MIGRATIONS, "alembic_version_fetcher")
    with session_factory(settings).begin() as session:
        if session.get(Meta, "seeded") is not None:
            return
        if settings.seed_default_feeds:
            interval = parse_interval(settings.default_poll_interval)
            for item in load_default_feeds():
                if session.scalar(select(Feed).where(Feed.url == item["url"])) is None:
                    session.add(_new_feed(item["url"], item["name"], interval, item["verified"]))
        session.add(Meta(key="seeded", value=datetime.now(UTC).isoformat()))


def load_default_feeds(path: Path = DEFAULT_FEEDS) -> list[dict]:
    """The shipped feed list."""
    return tomllib.loads(path.read_text(encoding="utf-8"))["feed"]


def _new_feed(url: str, name: str, interval: int, verified: bool = True) -> Feed:
    return Feed(
        url=url,
        name=name,
        interval_seconds=interval,
        enabled=True,
        verified=verified,
        error_count=0,
        created_at=datetime.now(UTC),
        next_poll_at=None,
    )


def validate_feed_url(url: str) -> str:
    """Accept only absolute http(s) URLs with a host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegistryError(f"{url!r} is not an http(s) URL")
    return url.strip()


FULLTEXT_MODES = ("auto", "summary", "page")


def add_feed(session: Session, url: str, name: str | None, interval: int, fulltext: str = "auto") -> Feed:
    """Register a feed; its name defaults to the host."""
    url = validate_feed_url(url)
    if session.scalar(select(Feed).where(Feed.url == url)) is not None:
        raise RegistryError(f"{url} is already registered")
    if fulltext not in FULLTEXT_MODES:
        raise RegistryError(f"full-text mode {fulltext!r} is not one of {', '.join(FULLTEXT_MODES)}")
    feed = _new_feed(url, name or urlsplit(url).hostname or url, interval)
    feed.fulltext = fulltext
    session.add(feed)
    session.flush()
    return feed


def entries_since(session: Session, since: datetime) -> dict[int, int]:
    """New entries per feed first seen since a time (the 'last 7 days' column)."""
    rows = session.execute(
        select(EntryState.feed_id, func.count())
        .where(EntryState.first_seen_at >= since)
        .group_by(EntryState.feed_id)
    )
    return {feed_id: count for feed_id, count in rows}


def find_feed(session: Session, ref: str) -> Feed:
    """A feed by id or by URL."""
    feed = (
        session.get(Feed, int(ref))
        if ref.isdigit()
        else session.scalar(select(Feed).where(Feed.url == ref.strip()))
    )
    if feed is None:
        raise RegistryError(f"no feed {ref!r} (give an id from `newswire feeds list` or the URL)")
    return feed


def list_feeds(session: Session) -> list[Feed]:
    """Every feed, in id order."""
    return list(session.scalars(select(Feed).order_by(Feed.id)))


def enabled_feeds(session: Session) -> list[Feed]:
    """Every enabled feed, in id order."""
    return list(session.scalars(select(Feed).where(Feed.enabled).order_by(Feed.id)))


def due_feeds(session: Session, now: datetime, limit: int = 100) -> list[Feed]:
    """Enabled feeds whose next poll time has come (or that were never polled)."""
    query = (
        select(Feed)
        .where(Feed.enabled, or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= now))
        .order_by(Feed.next_poll_at.is_not(None), Feed.next_poll_at, Feed.id)
        .limit(limit)
        # Two beats by mistake send two poll_due at once: on PostgreSQL each claims only rows the
        # other has not locked (SQLite's BEGIN IMMEDIATE already serialises them).
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def claim(feed: Feed, now: datetime) -> None:
    """Push next_poll_at ahead before sending a poll, so the next beat tick does not send it twice."""
    feed.next_poll_at = now + timedelta(seconds=feed.interval_seconds)
