import pytest

from services.parser.canonical import article_key, canonical_url

CASES = [
    pytest.param("HTTPS://WWW.Azernews.AZ/nation/1.html", "https://www.azernews.az/nation/1.html", id="case"),
    pytest.param("https://azernews.az/a?utm_source=rss&id=3", "https://azernews.az/a?id=3", id="utm-dropped"),
    pytest.param("https://azernews.az/a#comments", "https://azernews.az/a", id="fragment-dropped"),
    pytest.param("http://azernews.az:80/a", "http://azernews.az/a", id="default-port-dropped"),
    pytest.param("http://azernews.az:8080/a", "http://azernews.az:8080/a", id="other-port-kept"),
    pytest.param("https://azernews.az", "https://azernews.az/", id="empty-path"),
]


@pytest.mark.parametrize(("url", "expected"), CASES)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_article_key_prefers_guid_scoped_to_feed() -> None:
    assert article_key(3, "abc", "https://x/a", "abc") == "feed:3:guid:abc"
    assert article_key(3, None, "https://X/a?utm_medium=rss", "k") == "url:https://x/a"
    assert article_key(3, None, None, "title:1") == "feed:3:key:title:1"
