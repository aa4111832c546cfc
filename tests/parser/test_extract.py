"""`extract` on article pages shaped like the region's outlets: body without boilerplate, and metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.parser.extract import extract

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"


def test_outlet_page_body_without_boilerplate() -> None:
    result = extract((PAGES / "157950.html").read_bytes(), "https://www.azernews.az/nation/157950.html")
    assert result.title == "Azerbaijan, Turkmenistan foreign ministers hold talks in Ashgabat"
    assert result.text.startswith("Foreign Minister Elmar Mammadyarov met with his Turkmen counterpart")
    for boilerplate in ("cookies", "Share on", "Popular", "Home"):
        assert boilerplate not in result.text
    assert result.published == datetime(2019, 10, 29, 8, 30, tzinfo=UTC)
    assert result.canonical_url == "https://www.azernews.az/nation/157950.html"
    assert result.language == "en"
    assert result.authors == []  # "By Trend" credits an agency, not a person


def test_byline_person_is_an_author_not_body() -> None:
    result = extract((PAGES / "157930.html").read_bytes(), None)
    assert result.authors == ["Laman Ismayilova"]
    assert "Laman Ismayilova" not in result.text


def test_json_shape_is_the_documented_one() -> None:
    data = extract((PAGES / "157930.html").read_bytes(), None).as_json()
    assert list(data) == [
        "title",
        "text",
        "authors",
        "published",
        "updated",
        "canonical_url",
        "image",
        "language",
    ]
    assert data["published"] == "2019-10-29T05:00:00+00:00"


def test_thin_page_falls_back_rather_than_returning_nothing() -> None:
    paragraphs = "".join(
        f"<p>Paragraph {i} of a short story about the talks in Baku, told plainly.</p>" for i in range(3)
    )
    html = f"<html><body><div id='x'>{paragraphs}</div></body></html>"
    assert "Paragraph 0" in extract(html).text


@pytest.mark.parametrize(
    "html", [b"", b"   ", b"<html></html>", b"\x00\xff\xfe garbage"], ids=["empty", "blank", "bare", "binary"]
)
def test_no_article_gives_empty_text_not_an_error(html: bytes) -> None:
    assert extract(html).text == ""
