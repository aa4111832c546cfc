"""Hostile feeds and entries: bounded time and memory, a clear error or a clean result, never a crash."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.fetcher.article_page import compress_html
from services.fetcher.feed_parse import NotAFeed, parse_feed
from services.parser.parse_entry import parse_entry
from shared.errors import PermanentError
from shared.messages import RawEntry
from tests.conftest import CORPUS

pytestmark = pytest.mark.security
XML = {"content-type": "application/rss+xml"}


def _entry(**fields) -> RawEntry:  # type: ignore[no-untyped-def]
    return RawEntry(feed_id=1, feed_url="u", source="s", entry_key="k", content_hash="h",
                    fetched_at=datetime(2026, 11, 27, tzinfo=UTC), **fields)  # fmt: skip


def _bounded(work, seconds: float = 10.0, megabytes: float = 200.0):  # type: ignore[no-untyped-def]
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = work()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.monotonic() - started < seconds
    assert peak < megabytes * 1e6, f"peak {peak / 1e6:.0f} MB"
    return result


def _parse(body: bytes):  # type: ignore[no-untyped-def]
    try:
        return parse_feed(body, XML, "http://127.0.0.1/feed")
    except NotAFeed as exc:
        return exc


def test_billion_laughs_is_not_expanded() -> None:
    lol = "".join(
        f'<!ENTITY l{i} "{"&l" + str(i - 1) + ";" * 1}{("&l" + str(i - 1) + ";") * 9}">' for i in range(1, 10)
    )
    head = f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{lol}]>'
    item = "<item><title>&l9;</title><guid>1</guid></item>"
    body = (head + f'<rss version="2.0"><channel><title>t</title>{item}</channel></rss>').encode()
    result = _bounded(lambda: _parse(body))
    if not isinstance(result, NotAFeed):
        assert all(len(entry.title) < 1_000_000 for entry in result.entries)


def test_external_entities_are_not_read() -> None:
    body = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<rss version="2.0"><channel><title>t</title><item><title>a &xxe; b</title><guid>1</guid>'
            b"<description>&xxe;</description></item></channel></rss>")  # fmt: skip
    result = _parse(body)
    text = "" if isinstance(result, NotAFeed) else " ".join(e.title + e.summary_html for e in result.entries)
    assert "root:" not in text


def test_deeply_nested_markup() -> None:
    nested = "<div>" * 50_000 + "deep text" + "</div>" * 50_000
    article = _bounded(lambda: parse_entry(_entry(title="Nested", content_html=nested)))
    assert article.title == "Nested"  # stored with whatever text survives; the worker is not stalled


def test_deeply_nested_json_ld_in_the_page_costs_only_its_metadata() -> None:
    deep = "[" * 200_000 + "]" * 200_000
    page = (f'<html><head><script type="application/ld+json">{deep}</script><title>Page</title></head>'
            "<body><article><h1>Deep page</h1>" + "<p>Defense ministers met in Baku to discuss cooperation.</p>" * 8
            + "</article></body></html>")  # fmt: skip
    raw = _entry(title="Deep", summary_html="<p>short</p>", page_url="https://example.az/a",
                 page_html_z=compress_html(page.encode()))  # fmt: skip
    article = _bounded(lambda: parse_entry(raw))
    assert article.text_source == "page" and "Defense ministers met in Baku" in article.text


def test_invalid_utf8_is_decoded_not_fatal() -> None:
    body = (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            b"<item><title>ok \xff\xfe\xc3</title><guid>1</guid></item></channel></rss>")  # fmt: skip
    result = _parse(body)
    assert not isinstance(result, NotAFeed) and result.entries[0].title.startswith("ok")


def test_ten_megabyte_title_is_bounded() -> None:
    huge = "defense " * 1_300_000  # ~10 MB
    article = _bounded(
        lambda: parse_entry(_entry(title=huge, content_html="<p>body</p>")), seconds=20, megabytes=400
    )
    assert len(article.title) <= 1000 and article.labels is not None


def _corpus() -> list[bytes]:
    if not CORPUS.is_dir():
        return []
    files = [
        p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in (".xml", ".rss", ".atom", "")
    ]
    return [p.read_bytes()[:200_000] for p in sorted(files)[:40]]


CORPUS_BODIES = _corpus()


@pytest.mark.skipif(not CORPUS_BODIES, reason=f"feed corpus not found at {CORPUS}")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(min_value=0, max_value=max(len(CORPUS_BODIES) - 1, 0)),
    cuts=st.lists(st.tuples(st.floats(0, 1), st.binary(max_size=24)), max_size=6),
    truncate=st.floats(0.05, 1.0),
)
def test_fuzzed_real_feeds_never_crash_the_pipeline(index: int, cuts: list, truncate: float) -> None:
    body = bytearray(CORPUS_BODIES[index])
    for where, junk in cuts:  # overwrite random spans with random bytes
        at = int(where * len(body))
        body[at : at + len(junk)] = junk
    body = bytes(body[: max(1, int(len(body) * truncate))])
    result = _parse(body)
    if isinstance(result, NotAFeed):
        return
    for entry in result.entries[:20]:
        raw = _entry(title=entry.title, summary_html=entry.summary_html, content_html=entry.content_html,
                     published_raw=entry.published_raw, link=entry.link)  # fmt: skip
        try:
            article = parse_entry(raw)
        except PermanentError:
            continue
        assert "<script" not in article.html.lower() and "javascript:" not in article.html.lower()
