import pytest

from services.parser.sanitize import sanitize_html

DANGEROUS = [
    pytest.param("<p>ok</p><script>alert(1)</script>", "script", id="script"),
    pytest.param('<p>ok</p><iframe src="https://evil"></iframe>', "iframe", id="iframe"),
    pytest.param("<style>body{display:none}</style><p>ok</p>", "style", id="style"),
    pytest.param('<p onclick="steal()">ok</p>', "onclick", id="event-handler"),
    pytest.param('<img src="x" onerror="steal()">', "onerror", id="onerror"),
    pytest.param('<a href="javascript:alert(1)">ok</a>', "javascript:", id="javascript-url"),
    pytest.param('<a href="JaVaScRiPt:alert(1)">ok</a>', "javascript:", id="javascript-url-mixed-case"),
    pytest.param('<p style="background:url(javascript:x)">ok</p>', "style=", id="style-attribute"),
    pytest.param("<object data=x></object><embed src=x>", "object", id="object-embed"),
]


@pytest.mark.parametrize(("html", "forbidden"), DANGEROUS)
def test_dangerous_markup_is_removed(html: str, forbidden: str) -> None:
    assert forbidden not in sanitize_html(html).lower()


def test_story_markup_survives() -> None:
    html = '<p>Hello <strong>world</strong> <a href="https://azernews.az/x">link</a></p>'
    clean = sanitize_html(html)
    assert "<strong>world</strong>" in clean
    assert 'href="https://azernews.az/x"' in clean
    assert 'rel="noopener noreferrer nofollow"' in clean
