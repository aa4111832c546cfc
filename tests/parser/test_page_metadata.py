"""What a page says about itself: each source of metadata, and the order they are trusted in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import html as lxml_html

from services.parser.page_metadata import page_metadata

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def meta_of(head: str, body: str = "", url: str | None = "https://example.az/news/1.html"):
    tree = lxml_html.fromstring(f"<html lang='en'><head>{head}</head><body>{body}</body></html>")
    return page_metadata(tree, url, NOW)


JSON_LD = """<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
 {"@type":"WebSite","name":"Trend"},
 {"@type":"NewsArticle","headline":"Ministers meet in Baku","datePublished":"2019-10-29T09:00:00+04:00",
  "dateModified":"2019-10-29T11:30:00+04:00","author":[{"@type":"Person","name":"Rasana Gasimova"},
  {"@type":"Organization","name":"Trend"}],"image":{"@type":"ImageObject","url":"/img/a.jpg"}}]}</script>"""

# Hostile pages (issue 7): nesting past Python's recursion limit must cost the block, not the article.
DEEP_LISTS = '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>"
DEEP_GRAPH = '<script type="application/ld+json">' + '{"@graph":' * 900 + "{}" + "}" * 900 + "</script>"


@pytest.mark.parametrize(
    ("head", "body", "field", "expected"),
    [
        pytest.param(JSON_LD, "", "title", "Ministers meet in Baku", id="json-ld-headline"),
        pytest.param(JSON_LD, "", "published", datetime(2019, 10, 29, 5, 0, tzinfo=UTC), id="json-ld-published-utc"),
        pytest.param(JSON_LD, "", "updated", datetime(2019, 10, 29, 7, 30, tzinfo=UTC), id="json-ld-modified"),
        pytest.param(JSON_LD, "", "authors", ["Rasana Gasimova"], id="json-ld-person-not-organisation"),
        pytest.param(JSON_LD, "", "image", "https://example.az/img/a.jpg", id="json-ld-image-made-absolute"),
        pytest.param(
            '<meta property="og:title" content="OG headline"><title>Page title - Outlet</title>', "", "title",
            "OG headline", id="og-title-over-title-tag",
        ),
        pytest.param("<title>Baku hosts talks | APA</title>", "", "title", "Baku hosts talks", id="title-minus-outlet"),
        pytest.param(
            '<meta property="article:published_time" content="2024-03-01T10:00:00Z">', "", "published",
            datetime(2024, 3, 1, 10, 0, tzinfo=UTC), id="article-published-time",
        ),
        pytest.param("", '<time datetime="2024-05-06T08:00:00+05:00">6 May</time>', "published",
                     datetime(2024, 5, 6, 3, 0, tzinfo=UTC), id="time-element"),
        pytest.param("", "", "published", None, id="nothing-no-date"),
        pytest.param('<meta name="author" content="By Laman Ismayilova">', "", "authors", ["Laman Ismayilova"],
                     id="meta-author-by-prefix-dropped"),
        pytest.param("", '<span class="author">By Azernews</span>', "authors", [], id="outlet-is-not-an-author"),
        pytest.param('<meta name="author" content="Ali Aliyev and Leyla Mammadova">', "", "authors",
                     ["Ali Aliyev", "Leyla Mammadova"], id="two-authors"),
        pytest.param('<link rel="canonical" href="/news/1.html?x=1">', "", "canonical_url",
                     "https://example.az/news/1.html?x=1", id="canonical-relative"),
        pytest.param('<link rel="canonical" href="javascript:alert(1)">', "", "canonical_url", None,
                     id="canonical-not-http-refused"),
        pytest.param('<meta property="og:image" content="https://cdn.example.az/p.jpg">', "", "image",
                     "https://cdn.example.az/p.jpg", id="og-image"),
        pytest.param('<script type="application/ld+json">{broken</script>', "<h1>Fallback headline</h1>", "title",
                     "Fallback headline", id="broken-json-ld-skipped"),
        pytest.param(DEEP_LISTS + JSON_LD, "", "title", "Ministers meet in Baku", id="json-ld-too-deep-skipped"),
        pytest.param(DEEP_GRAPH + JSON_LD, "", "title", "Ministers meet in Baku", id="json-ld-graph-too-deep-skipped"),
    ],
)  # fmt: skip
def test_page_metadata(head: str, body: str, field: str, expected: object) -> None:
    assert getattr(meta_of(head, body), field) == expected


def test_date_in_url_when_the_page_states_none() -> None:
    meta = meta_of("", "", url="https://www.trend.az/2019/10/29/story.html")
    assert meta.published == datetime(2019, 10, 29, tzinfo=UTC)


def test_a_future_date_is_not_trusted() -> None:
    meta = meta_of('<meta property="article:published_time" content="2031-01-01T00:00:00Z">')
    assert meta.published is None


def test_language_from_the_html_element() -> None:
    assert meta_of("").language == "en"
