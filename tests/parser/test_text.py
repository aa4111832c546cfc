import pytest

from services.parser.text import html_to_text

CASES = [
    pytest.param("<p>One</p><p>Two</p>", "One\n\nTwo", id="paragraphs-become-blank-lines"),
    pytest.param("<p>a<br>b</p>", "a\nb", id="br-is-a-line-break"),
    pytest.param("<p>x</p><script>alert(1)</script><style>p{}</style>", "x", id="script-style-dropped"),
    pytest.param(
        "Tom &amp; Jerry &lt;3 &#8220;q&#8221;", "Tom & Jerry <3 \u201cq\u201d", id="entities-decoded"
    ),
    pytest.param("<p>  many \n\t spaces&nbsp;here </p>", "many spaces here", id="whitespace-normalised"),
    pytest.param("<!-- hidden --><p>shown</p>", "shown", id="comments-dropped"),
    pytest.param("<ul><li>a</li><li>b</li></ul>", "a\n\nb", id="list-items-separate"),
    pytest.param("plain\n\ntext", "plain\n\ntext", id="plain-text-paragraphs-kept"),
    pytest.param("", "", id="empty"),
    pytest.param("<div><iframe src=x>t</iframe>kept</div>", "kept", id="iframe-dropped"),
]


@pytest.mark.parametrize(("html", "expected"), CASES)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_sample_story_keeps_its_paragraphs(sample_feed: bytes) -> None:
    from services.fetcher.feed_parse import parse_feed

    entry = parse_feed(sample_feed, {"content-type": "application/rss+xml"}, "http://x/").entries[0]
    text = html_to_text(entry.content_html)
    assert text.startswith("By Rasana Gasimova\n\nThe heads of defense departments")
    assert "trackArticle" not in text and "<" not in text
    assert text.count("\n\n") >= 10
