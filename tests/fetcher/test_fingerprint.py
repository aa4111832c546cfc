import pytest

from services.fetcher.fingerprint import content_hash, entry_key

KEYS = [
    pytest.param("guid-1", "https://x/a", "T", "guid-1", id="guid-wins"),
    pytest.param(None, "https://x/a", "T", "https://x/a", id="link-when-no-guid"),
    pytest.param("  ", " https://x/a ", "T", "https://x/a", id="blank-guid-ignored"),
]


@pytest.mark.parametrize(("guid", "link", "title", "expected"), KEYS)
def test_entry_key(guid: str | None, link: str | None, title: str, expected: str) -> None:
    assert entry_key(guid, link, title) == expected


def test_entry_key_without_guid_or_link_is_stable_per_title() -> None:
    assert entry_key(None, None, "Same  title") == entry_key(None, None, "Same title")
    assert entry_key(None, None, "A") != entry_key(None, None, "B")


def test_content_hash_ignores_whitespace_but_not_words() -> None:
    assert content_hash("T", "<p>a  b</p>") == content_hash("T", "<p>a b</p>")
    assert content_hash("T", "a b") != content_hash("T", "a c")
    assert content_hash("T1", "a") != content_hash("T2", "a")
