from pathlib import Path

import pytest

from services.fetcher.feed_parse import NotAFeed, parse_feed
from services.parser.text import html_to_text
from tests.conftest import CORPUS

RSS = {"content-type": "application/rss+xml; charset=utf-8"}


def test_sample_feed_entries(sample_feed: bytes) -> None:
    parsed = parse_feed(sample_feed, RSS, "http://127.0.0.1/rss")
    assert [e.key for e in parsed.entries][:2] == [
        "https://www.azernews.az/nation/157965.html",
        "https://www.azernews.az/nation/157950.html",
    ]
    first = parsed.entries[0]
    assert first.published_raw == "Tue, 29 Oct 2019 18:05:00 +0400"
    assert "Zakir Hasanov" in first.content_html
    assert parsed.language == "en"
    assert len({e.content_hash for e in parsed.entries}) == 4


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<html><body><h1>Welcome</h1></body></html>", id="html-page"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\x00\xff\xfe garbage", id="binary"),
    ],
)
def test_not_a_feed(body: bytes) -> None:
    with pytest.raises(NotAFeed, match="not a feed"):
        parse_feed(body, {"content-type": "text/html"}, "http://127.0.0.1/")


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() != ".md"
                  and p.name != "PROVENANCE.json")  # fmt: skip


@pytest.mark.skipif(not _corpus_files(), reason=f"feed corpus not found at {CORPUS}")
def test_real_world_corpus_never_crashes_and_cleans() -> None:
    """Every real and ill-formed feed: no exception, entries where there are some, clean text."""
    with_entries = 0
    for path in _corpus_files():
        try:
            parsed = parse_feed(path.read_bytes(), {}, f"http://127.0.0.1/{path.name}")
        except NotAFeed:
            continue
        with_entries += bool(parsed.entries)
        for entry in parsed.entries:
            text = html_to_text(entry.content_html or entry.summary_html)
            assert "<script" not in text.lower(), path
            assert entry.key and entry.content_hash, path
    assert with_entries >= 50
