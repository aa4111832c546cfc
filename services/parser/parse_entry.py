"""The parser's spine: a RawEntry in, a clean, dated, classified Article out (pure CPU, no I/O)."""

from __future__ import annotations

import traceback
from collections.abc import Mapping

from services.parser.canonical import article_key, canonical_url
from services.parser.classify import classify
from services.parser.dates import normalise_published
from services.parser.extract import Extracted, extract
from services.parser.facts import find_facts
from services.parser.language import detect_language
from services.parser.page_text import decompress_page
from services.parser.sanitize import sanitize_html
from services.parser.taxonomy import Taxonomy
from services.parser.text import html_to_text
from shared import minhash
from shared.errors import PermanentError
from shared.messages import Article, RawEntry

SUMMARY_CHARS = 400
MAX_TITLE_CHARS = 1000  # a hostile 10 MB title must not cost the classifier minutes
MAX_AUTHOR_CHARS = 500  # the article DB's author column; PostgreSQL refuses longer (issue 7)
MAX_TEXT_CHARS = 1_000_000
# What the feed wrote, cleaned of NUL; identity fields (entry_key, content_hash) go back to the fetcher as
# they came, and the page travels compressed (lxml drops NUL when it parses it).
FREE_TEXT_FIELDS = (
    "source", "guid", "link", "title", "summary_html", "content_html", "author", "published_raw",
    "language", "page_url", "page_error",
)  # fmt: skip


def parse_entry(
    entry: RawEntry, taxonomy: Taxonomy | None = None, thresholds: Mapping[str, float] | None = None
) -> Article:
    """Clean, date, classify and read the facts of one entry; PermanentError if nothing readable is left."""
    entry = without_nul(entry)
    feed_text = html_to_text(entry.content_html or entry.summary_html)
    title = html_to_text(entry.title[: MAX_TITLE_CHARS * 4]).replace("\n", " ")[:MAX_TITLE_CHARS]
    summary = html_to_text(entry.summary_html) if entry.content_html else feed_text
    page = _page(entry)
    text, html, source, text_flag = _body(entry, feed_text, page)
    text = text[:MAX_TEXT_CHARS]
    if not title and not text:
        raise PermanentError(f"entry {entry.entry_key!r} of feed {entry.feed_id} has no title and no text")
    published_at, flag = normalise_published(entry.published_raw, entry.fetched_at)
    if flag == "missing" and page and page.published:  # the page states the date the feed left out
        published_at, flag = page.published, "ok"
    language = detect_language(f"{title}\n{text}", entry.language or (page.language if page else None))
    verdict = classify(title, text, language, taxonomy, thresholds)
    facts = find_facts(title, text, language, verdict.labels, year_hint=published_at.year)
    return Article(
        feed_id=entry.feed_id,
        source=entry.source,
        entry_key=entry.entry_key,
        article_key=article_key(entry.feed_id, entry.guid, entry.link, entry.entry_key),
        guid=entry.guid,
        url=canonical_url(entry.link) if entry.link else None,
        title=title or text.split("\n", 1)[0][:200],
        text=text,
        html=html,
        text_source=source,
        text_flag=text_flag,
        keep_page_text=entry.page_unchanged,
        summary=_shorten(summary, SUMMARY_CHARS),
        author=_shorten(entry.author or ", ".join(page.authors if page else []), MAX_AUTHOR_CHARS) or None,
        authors=[entry.author] if entry.author else (page.authors if page else []),
        canonical_url=page.canonical_url if page else None,
        image_url=page.image if page else None,
        modified_at=page.updated if page else None,
        facts=facts.as_json(),
        published_at=published_at,
        date_flag=flag,
        fetched_at=entry.fetched_at,
        tags=entry.tags,
        language=language,
        labels=verdict.labels,
        scores=verdict.scores,
        evidence=verdict.evidence,
        content_hash=entry.content_hash,
        run_id=entry.run_id,
        minhash=minhash.encode(minhash.signature(text)),
    )


def without_nul(entry: RawEntry) -> RawEntry:
    """The entry without NUL characters: PostgreSQL refuses them in text (and \\u0000 in JSON), so one
    stray NUL in a feed's title would otherwise make the whole story undeliverable."""
    changed: dict[str, object] = {
        name: value.replace("\x00", "")
        for name in FREE_TEXT_FIELDS
        if isinstance(value := getattr(entry, name), str) and "\x00" in value
    }
    if any("\x00" in tag for tag in entry.tags):
        changed["tags"] = [tag.replace("\x00", "") for tag in entry.tags]
    return entry.model_copy(update=changed) if changed else entry


def _body(entry: RawEntry, feed_text: str, page: Extracted | None) -> tuple[str, str, str, str | None]:
    """Text, HTML, source and flag: the article page's main text when it is longer than the feed's."""
    feed_html = sanitize_html(entry.content_html or entry.summary_html)
    if not entry.page_html_z:
        flag = f"page not used: {entry.page_error}" if entry.page_error else None
        return feed_text, feed_html, "feed", flag
    if page is None or len(page.text) <= len(feed_text):
        return feed_text, feed_html, "feed", "page not used: no article text found on it"
    return page.text, page.html, "page", None


def _page(entry: RawEntry) -> Extracted | None:
    """The article page's story, when the fetcher sent a page and it unpacks."""
    if not entry.page_html_z:
        return None
    try:
        return extract(decompress_page(entry.page_html_z), entry.page_url or entry.link)
    except ValueError:
        return None


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def parse_batch(
    entries: list[RawEntry], taxonomy: Taxonomy | None = None, thresholds: Mapping[str, float] | None = None
) -> tuple[list[Article], list[tuple[RawEntry, Exception, str]]]:
    """Parse each entry of a batch on its own: one that fails comes back with its error and traceback, so
    it alone goes to dead letters and the rest of the batch goes on."""
    articles: list[Article] = []
    failures: list[tuple[RawEntry, Exception, str]] = []
    for entry in entries:
        try:
            articles.append(parse_entry(entry, taxonomy, thresholds))
        except Exception as exc:  # one poison entry (bad input, a crashing page) must not cost the others
            failures.append((entry, exc, traceback.format_exc()))
    return articles, failures
