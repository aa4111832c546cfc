"""Versioned message contracts between services: the only thing services share besides settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Message(BaseModel):
    """Base of every bus message: strict about unknown fields so a contract drift fails loudly."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def dump(self) -> dict[str, Any]:
        """The JSON-safe form sent over the bus."""
        return self.model_dump(mode="json")


class PollFeed(Message):
    """Ask the fetcher to poll one feed now (run_id ties it to a `newswire run --once`)."""

    v: Literal[1] = 1
    feed_id: int
    run_id: str | None = None


class RawEntry(Message):
    """One feed entry as the fetcher saw it: what the parser needs, no network needed."""

    v: Literal[1] = 1
    feed_id: int
    feed_url: str
    source: str = Field(description="Outlet name of the feed")
    entry_key: str = Field(description="Stable key inside the feed: GUID, else link")
    guid: str | None = None
    link: str | None = None
    title: str = ""
    summary_html: str = ""
    content_html: str = ""
    author: str | None = None
    published_raw: str | None = Field(None, description="The date string exactly as in the feed")
    tags: list[str] = Field(default_factory=list)
    language: str | None = None
    content_hash: str
    fetched_at: datetime
    run_id: str | None = None
    # The article page, when the fetcher fetched it (feeds that carry only a summary).
    page_url: str | None = None
    page_html_z: str | None = Field(None, description="Page HTML, zlib-compressed then base64")
    page_unchanged: bool = Field(False, description="The page answered 304: keep the stored page text")
    page_error: str | None = Field(None, description="Why the page could not be used")


class RawEntryBatch(Message):
    """Entries of one poll for the parser in one message: the bus's cost per message is shared."""

    v: Literal[1] = 1
    entries: list[RawEntry] = Field(min_length=1)


class PageRequest(Message):
    """Ask the fetcher for an entry's article page before the entry goes to the parser."""

    v: Literal[1] = 1
    entry: RawEntry
    etag: str | None = None
    last_modified: str | None = None


class Article(Message):
    """A cleaned, classified story ready to store."""

    v: Literal[1] = 1
    feed_id: int
    source: str
    entry_key: str
    article_key: str = Field(description="Unique key in the article DB: feed + GUID, else URL")
    guid: str | None = None
    url: str | None = None
    title: str
    text: str
    html: str
    summary: str = ""
    author: str | None = None
    published_at: datetime
    date_flag: Literal["ok", "missing", "unparsed", "assumed_utc"] = "ok"
    text_source: Literal["feed", "page"] = "feed"
    text_flag: str | None = Field(None, description="Why the page text was not used, when it was wanted")
    keep_page_text: bool = Field(False, description="Page unchanged: the store keeps its page text")
    fetched_at: datetime
    tags: list[str] = Field(default_factory=list)
    language: str | None = None
    labels: list[str] = Field(default_factory=list)
    scores: dict[str, float] = Field(default_factory=dict)
    evidence: dict[str, dict[str, list[str]] | list[str]] = Field(
        default_factory=dict, description="Per label: the matched terms and the sentences that carried most"
    )
    authors: list[str] = Field(default_factory=list)
    canonical_url: str | None = None
    image_url: str | None = None
    modified_at: datetime | None = Field(None, description="When the page says the story was last updated")
    facts: dict[str, Any] = Field(
        default_factory=dict, description="countries, main_pair, people, organisations, events (issue 4)"
    )
    content_hash: str
    run_id: str | None = None
    minhash: str | None = Field(
        None, description="MinHash of the text (shared/minhash.py), base64; absent: the store computes it"
    )


class EntryStored(Message):
    """The store's receipt: this entry version is committed, the fetcher may stop resending it."""

    v: Literal[1] = 1
    feed_id: int
    entry_key: str
    content_hash: str = Field(description="Hash of the version this receipt answers")
    stored_hash: str = Field(description="Hash of the version now in the DB (newer if stale)")
    outcome: Literal["inserted", "updated", "unchanged", "stale"]
    article_id: int
    run_id: str | None = None


class PageRequestBatch(Message):
    """Several entries of one poll whose article pages the fetcher fetches in one task."""

    v: Literal[1] = 1
    requests: list[PageRequest] = Field(min_length=1)


class ArticleBatch(Message):
    """The articles of one parsed batch, stored in one transaction."""

    v: Literal[1] = 1
    articles: list[Article] = Field(min_length=1)


class StoredBatch(Message):
    """The store's receipts for one committed batch."""

    v: Literal[1] = 1
    receipts: list[EntryStored] = Field(min_length=1)


class EntryFailed(Message):
    """A stage gave up on an entry version (bad input, retries exhausted): settle it, name the reason."""

    v: Literal[1] = 1
    feed_id: int
    entry_key: str
    content_hash: str
    stage: Literal["parse", "store"]
    reason: str
    run_id: str | None = None
