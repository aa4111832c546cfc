from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.fetcher.article_page import compress_html
from services.fetcher.feed_parse import parse_feed
from services.parser.parse_entry import parse_batch, parse_entry
from shared import minhash
from shared.errors import PermanentError
from shared.messages import RawEntry

FETCHED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _raw(entry, **extra) -> RawEntry:  # type: ignore[no-untyped-def]
    return RawEntry(
        feed_id=1,
        feed_url="http://127.0.0.1/rss",
        source="Azernews",
        entry_key=entry.key,
        guid=entry.guid,
        link=entry.link,
        title=entry.title,
        summary_html=entry.summary_html,
        content_html=entry.content_html,
        author=entry.author,
        published_raw=entry.published_raw,
        tags=entry.tags,
        content_hash=entry.content_hash,
        fetched_at=FETCHED,
        **extra,
    )


def test_sample_story_comes_out_clean_dated_and_labelled(sample_feed: bytes) -> None:
    entries = parse_feed(sample_feed, {"content-type": "application/rss+xml"}, "http://x/").entries
    article = parse_entry(_raw(entries[0]))
    assert article.labels == ["defense", "diplomacy"]
    assert article.published_at == datetime(2019, 10, 29, 14, 5, tzinfo=UTC)
    assert article.date_flag == "ok"
    assert "Zakir Hasanov" in article.text and "<" not in article.text
    assert "script" not in article.html and "iframe" not in article.html
    assert article.article_key == "url:azernews.az/nation/157965.html"
    assert article.summary.startswith("The heads of defense departments")
    assert minhash.decode(article.minhash) == minhash.signature(article.text)  # the store's clusters use it


def test_missing_date_falls_back_to_fetch_time_flagged(sample_feed: bytes) -> None:
    entries = parse_feed(sample_feed, {"content-type": "application/rss+xml"}, "http://x/").entries
    article = parse_entry(_raw(entries[3]))
    assert (article.published_at, article.date_flag) == (FETCHED, "missing")
    assert article.text.startswith("Baku will host an international carpet exhibition next month & artisans")


def test_entry_with_nothing_readable_is_rejected() -> None:
    raw = RawEntry(
        feed_id=1, feed_url="u", source="s", entry_key="k", title="", summary_html="<script>x</script>",
        content_hash="h", fetched_at=FETCHED,
    )  # fmt: skip
    with pytest.raises(PermanentError, match="no title and no text"):
        parse_entry(raw)


PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


def _summary_entry(**page) -> RawEntry:  # type: ignore[no-untyped-def]
    return RawEntry(
        feed_id=1, feed_url="u", source="Azernews", entry_key="k", guid="k", link="http://127.0.0.1/nation/157950.html",
        title="Azerbaijan, Turkmenistan foreign ministers hold talks in Ashgabat",
        summary_html="<p>Foreign Minister Elmar Mammadyarov met with his Turkmen counterpart.</p>",
        content_hash="h", fetched_at=FETCHED, **page,
    )  # fmt: skip


def test_article_page_text_replaces_a_short_summary() -> None:
    html = (PAGES / "157950.html").read_bytes()
    article = parse_entry(_summary_entry(page_html_z=compress_html(html), page_url="http://127.0.0.1/x"))
    assert article.text_source == "page" and article.text_flag is None
    assert "invited Meredov to pay an official visit to Baku" in article.text
    assert (
        "Popular news" not in article.text
        and "cookies" not in article.text
        and "Share on" not in article.text
    )
    assert "<script" not in article.html
    assert article.summary == "Foreign Minister Elmar Mammadyarov met with his Turkmen counterpart."


def test_failed_page_keeps_the_feed_text_and_says_why() -> None:
    article = parse_entry(_summary_entry(page_error="HTTP 404 Not Found"))
    assert article.text_source == "feed" and article.text_flag == "page not used: HTTP 404 Not Found"
    assert article.text == "Foreign Minister Elmar Mammadyarov met with his Turkmen counterpart."


def test_page_without_an_article_keeps_the_feed_text() -> None:
    empty = compress_html(b"<html><body><nav>Home | News</nav></body></html>")
    article = parse_entry(_summary_entry(page_html_z=empty))
    assert article.text_source == "feed" and article.text_flag == "page not used: no article text found on it"


def test_unchanged_page_asks_the_store_to_keep_its_text() -> None:
    assert parse_entry(_summary_entry(page_unchanged=True)).keep_page_text


def test_corrupt_page_payload_is_not_fatal() -> None:
    article = parse_entry(_summary_entry(page_html_z="!!not base64!!"))
    assert article.text_source == "feed" and article.text_flag == "page not used: no article text found on it"


def test_a_batch_parses_each_entry_on_its_own() -> None:
    good = RawEntry(feed_id=1, feed_url="u", source="Azernews", entry_key="a", content_hash="a",
                    fetched_at="2026-11-27T10:00:00Z", title="Defense ministers meet")  # fmt: skip
    empty = good.model_copy(update={"entry_key": "b", "title": "", "summary_html": "<script>x()</script>"})
    articles, failures = parse_batch([good, empty, good.model_copy(update={"entry_key": "c"})])
    assert [a.entry_key for a in articles] == ["a", "c"]
    [(entry, exc, trace)] = failures
    assert entry.entry_key == "b" and "no title and no text" in str(exc) and "PermanentError" in trace
