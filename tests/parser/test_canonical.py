import pytest

from services.parser.canonical import article_key, canonical_url, url_key
from shared.urls import bounded_key

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


def test_article_key_is_the_link_identity_so_two_feeds_share_it() -> None:
    assert article_key(3, "abc", "https://x.az/a", "abc") == article_key(
        9, "other", "http://www.x.az/a/", "k"
    )
    assert article_key(3, None, "https://X.az/a?utm_medium=rss", "k") == "url:x.az/a"
    assert article_key(3, "abc", None, "abc") == "feed:3:guid:abc"
    assert article_key(3, "abc", "/relative/link", "abc") == "feed:3:guid:abc"
    assert article_key(3, None, None, "title:1") == "feed:3:key:title:1"


KEY_CASES = [
    pytest.param("https://www.azernews.az/nation/1.html", "azernews.az/nation/1.html", id="www"),
    pytest.param("http://azernews.az/nation/1.html", "azernews.az/nation/1.html", id="scheme"),
    pytest.param("https://m.azernews.az/nation/1.html", "azernews.az/nation/1.html", id="mobile-host"),
    pytest.param("https://amp.azernews.az/nation/1.html", "azernews.az/nation/1.html", id="amp-host"),
    pytest.param("https://azernews.az/nation/1.html/amp", "azernews.az/nation/1.html", id="amp-suffix"),
    pytest.param("https://azernews.az/amp/nation/1.html", "azernews.az/nation/1.html", id="amp-prefix"),
    pytest.param("https://azernews.az/news/story/", "azernews.az/news/story", id="trailing-slash"),
    pytest.param(
        "https://AZERNEWS.AZ/a?b=2&a=1&utm_source=x&fbclid=y",
        "azernews.az/a?a=1&b=2",
        id="params-sorted-tracking-dropped",
    ),
    pytest.param("https://azernews.az/a?amp=1", "azernews.az/a", id="amp-param"),
    pytest.param("https://azernews.az/", "azernews.az/", id="root"),
    pytest.param("https://azernews.az:8443/a", "azernews.az:8443/a", id="port-kept"),
    pytest.param("https://report.az/en/a?id=7", "report.az/en/a?id=7", id="id-param-kept"),
]


@pytest.mark.parametrize(("url", "expected"), KEY_CASES)
def test_url_key(url: str, expected: str) -> None:
    assert url_key(url) == expected


LONG = "https://example.az/" + "я" * 3000  # 6 kB of UTF-8


@pytest.mark.parametrize(
    ("key", "kept"),
    [
        pytest.param("url:azernews.az/nation/1.html", True, id="short-unchanged"),
        pytest.param("x" * 2048, True, id="exactly-the-limit-unchanged"),
        pytest.param("x" * 2049, False, id="one-byte-over-hashed"),
        pytest.param(LONG, False, id="multibyte-counted-in-bytes"),
    ],
)  # fmt: skip
def test_bounded_key(key: str, kept: bool) -> None:
    bounded = bounded_key(key)
    assert (bounded == key) is kept
    assert len(bounded.encode()) <= 2048
    assert bounded_key(key) == bounded  # stable: the same story keeps its row


def test_long_keys_differing_only_at_the_end_stay_apart() -> None:
    assert bounded_key(LONG + "a") != bounded_key(LONG + "b")
    assert bounded_key(LONG + "a")[:100] == bounded_key(LONG + "b")[:100]  # still readable in the DB
