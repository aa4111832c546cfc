"""The fetcher's own state: feed registry, conditional-GET validators, entry fingerprints, poll log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.database import UTCDateTime


class Base(DeclarativeBase):
    """Declarative base of the fetcher's tables (its own metadata, its own migrations)."""


class Feed(Base):
    """A feed in the registry and what the last poll learned about it."""

    __tablename__ = "fetcher_feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    interval_seconds: Mapped[int] = mapped_column(Integer, default=900)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_warning: Mapped[str | None] = mapped_column(Text, nullable=True)
    fulltext: Mapped[str] = mapped_column(String(10), default="auto")  # auto | summary | page

    def status(self, broken_after: int) -> str:
        """ok / backing off / broken / disabled / gone: derived, so it can never disagree with the facts."""
        if not self.enabled:
            return "gone" if (self.disabled_reason or "").startswith("HTTP 410") else "disabled"
        if self.error_count >= broken_after:
            return "broken"
        return "backing off" if self.error_count else "ok"


class FeedURL(Base):
    """A URL a feed had before a permanent redirect moved it (kept for the record)."""

    __tablename__ = "fetcher_feed_urls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("fetcher_feeds.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)


class EntryState(Base):
    """What was sent for an entry and what the store confirmed (the fingerprint ledger)."""

    __tablename__ = "fetcher_entries"

    feed_id: Mapped[int] = mapped_column(ForeignKey("fetcher_feeds.id", ondelete="CASCADE"), primary_key=True)
    entry_key: Mapped[str] = mapped_column(String(2048), primary_key=True)
    sent_hash: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stored_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stored_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    settled_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failed_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    article_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    first_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    page_etag: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    page_last_modified: Mapped[str | None] = mapped_column(String(200), nullable=True)


class PollLog(Base):
    """One row per poll: what `newswire run --once` summarises and what an operator reads."""

    __tablename__ = "fetcher_polls"
    __table_args__ = (UniqueConstraint("run_id", "feed_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("fetcher_feeds.id", ondelete="CASCADE"))
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seen: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class Meta(Base):
    """Small key/value facts about the registry (e.g. that the default list was seeded once)."""

    __tablename__ = "fetcher_meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
