"""Upsert and queries on a real SQLite file and a real PostgreSQL database."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from services.store import repository
from services.store.models import Article as ArticleRow
from shared.messages import Article
from shared.settings import Settings

T0 = datetime(2026, 11, 27, 10, tzinfo=UTC)


def make(key: str = "feed:1:guid:a", text: str = "Defense ministers met.", **kw) -> Article:  # type: ignore[no-untyped-def]
    values = dict(
        feed_id=1, source="Azernews", entry_key=key, article_key=key, title="Ministers meet", text=text,
        html=f"<p>{text}</p>", published_at=T0, fetched_at=T0, labels=["defense"],
        scores={"defense": 0.9, "diplomacy": 0.2}, content_hash=str(hash(text)),
    )  # fmt: skip
    values.update(kw)
    return Article(**values)


@pytest.fixture
def sessions(database_url: str, tmp_path):  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    repository.ensure_schema(settings)
    yield repository.session_factory(settings)
    repository.engine_for.cache_clear()


def test_same_message_twice_is_one_row(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        first = repository.upsert_article(session, make())
    with sessions.begin() as session:
        second = repository.upsert_article(session, make())
    assert (first.outcome, second.outcome) == ("inserted", "unchanged")
    assert first.article_id == second.article_id
    with sessions() as session:
        assert repository.count_articles(session) == 1


def test_update_replaces_content_and_keeps_first_seen(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        repository.upsert_article(session, make(), now=T0)
    changed = make(
        text="Foreign ministers signed a treaty.", labels=["diplomacy"], fetched_at=T0 + timedelta(hours=1)
    )
    with sessions.begin() as session:
        result = repository.upsert_article(session, changed, now=T0 + timedelta(hours=1))
    assert result.outcome == "updated"
    with sessions() as session:
        row = session.get(ArticleRow, result.article_id)
        assert row.text == "Foreign ministers signed a treaty."
        assert row.first_seen_at == T0 and row.updated_at == T0 + timedelta(hours=1)
        assert row.version == 2 and row.label_names == ["diplomacy"]
        assert repository.count_by_label(session) == {"diplomacy": 1}


def test_older_version_arriving_late_does_not_overwrite(sessions) -> None:  # type: ignore[no-untyped-def]
    newer = make(text="newer text", fetched_at=T0 + timedelta(hours=2))
    with sessions.begin() as session:
        repository.upsert_article(session, newer)
    with sessions.begin() as session:
        result = repository.upsert_article(session, make(text="older text"))
    assert result.outcome == "stale" and result.content_hash == newer.content_hash
    with sessions() as session:
        assert session.get(ArticleRow, result.article_id).text == "newer text"


def test_concurrent_duplicates_yield_one_row(sessions) -> None:  # type: ignore[no-untyped-def]
    def save(_: int) -> str:
        with sessions.begin() as session:
            return repository.upsert_article(session, make(key="feed:1:guid:race")).outcome

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = sorted(pool.map(save, range(8)))
    assert outcomes == ["inserted"] + ["unchanged"] * 7
    with sessions() as session:
        assert repository.count_articles(session) == 1


def test_list_filters_and_order(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        repository.upsert_article(session, make("k1", "a", published_at=T0, labels=["defense"]))
        repository.upsert_article(
            session, make("k2", "b", published_at=T0 + timedelta(days=1), labels=["diplomacy"])
        )
        repository.upsert_article(
            session, make("k3", "c", published_at=T0 + timedelta(days=2), source="Trend", labels=[])
        )
    with sessions() as session:
        keys = lambda **kw: [a.article_key for a in repository.list_articles(session, **kw)]  # noqa: E731
        assert keys() == ["k3", "k2", "k1"]
        assert keys(label="defense") == ["k1"]
        assert keys(source="trend") == ["k3"]
        assert keys(since=T0 + timedelta(hours=12)) == ["k3", "k2"]
        assert keys(limit=1) == ["k3"]


def test_unchanged_page_keeps_its_text_while_the_feed_fields_update(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        repository.upsert_article(session, make(text="Long text from the article page.", text_source="page"))
    feed_only = make(text="Short summary.", title="Ministers meet (updated)", keep_page_text=True,
                     fetched_at=T0 + timedelta(hours=1))  # fmt: skip
    with sessions.begin() as session:
        result = repository.upsert_article(session, feed_only)
    assert result.outcome == "updated"
    with sessions() as session:
        row = session.get(ArticleRow, result.article_id)
        assert (row.text, row.text_source, row.title) == (
            "Long text from the article page.", "page", "Ministers meet (updated)"
        )  # fmt: skip


def test_a_batch_is_one_transaction_and_a_repeat_changes_nothing(sessions) -> None:  # type: ignore[no-untyped-def]
    batch = [make(f"feed:1:guid:{i}", text=f"Defense ministers met, meeting {i}.") for i in range(5)]
    with sessions.begin() as session:
        saved, refused = repository.save_batch(session, batch)
    assert [r.outcome for _, r in saved] == ["inserted"] * 5 and refused == []
    with sessions.begin() as session:  # the same batch redelivered
        again, _ = repository.save_batch(session, batch)
    assert [r.outcome for _, r in again] == ["unchanged"] * 5
    assert [r.article_id for _, r in again] == [r.article_id for _, r in saved]
    with sessions() as session:
        assert repository.count_articles(session) == 5


def test_an_article_the_database_refuses_costs_only_itself(postgres_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, database_url=postgres_url)
    repository.ensure_schema(settings)
    sessions = repository.session_factory(settings)
    # The parser bounds what it sends; the store still must not trust a message: 300 characters are past
    # the 200 of the source column, which PostgreSQL enforces.
    batch = [
        make("feed:1:guid:a"),
        make("feed:1:guid:b", source="S" * 300),
        make("feed:1:guid:c", text="Other."),
    ]
    try:
        with sessions.begin() as session:
            saved, refused = repository.save_batch(session, batch)
        assert [a.entry_key for a, _ in saved] == ["feed:1:guid:a", "feed:1:guid:c"]
        [(article, exc, trace)] = refused
        assert article.entry_key == "feed:1:guid:b" and "value too long" in str(exc) and "Traceback" in trace
        with sessions() as session:
            assert repository.count_articles(session) == 2
    finally:
        repository.engine_for.cache_clear()


def _oversized_entry(tail: str):  # type: ignore[no-untyped-def]
    """An entry whose every free-text field is far past its column: what a careless or hostile feed sends."""
    from services.fetcher.article_page import compress_html
    from services.fetcher.fingerprint import entry_key
    from shared.messages import RawEntry

    slug = "%D0%BC%D0%B8%D0%BD%D0%B8%D1%81%D1%82%D1%80-" * 120 + tail  # 5,000+ characters
    link = f"https://example.az/news/{slug}"
    page = (f'<html><head><link rel="canonical" href="{link}?canonical=1">'
            f'<meta property="og:image" content="https://cdn.example.az/{slug}.jpg"></head><body><article>'
            + "<p>Defense ministers of Azerbaijan and Georgia met in Baku to discuss cooperation.</p>" * 6
            + "</article></body></html>")  # fmt: skip
    guid = "tag:example.az," + "g" * 5000 + tail
    return RawEntry(feed_id=1, feed_url="https://example.az/rss", source="Azernews", guid=guid, link=link,
                    entry_key=entry_key(guid, link, "t"), content_hash="h" + tail, fetched_at=T0,
                    title="Ministers meet", summary_html="<p>short</p>", author="A. Writer, " * 600,
                    language="en-" + "x" * 100, page_url=link, page_html_z=compress_html(page.encode()))  # fmt: skip


def test_an_entry_with_oversized_fields_is_stored_once(sessions) -> None:  # type: ignore[no-untyped-def]
    """Long URLs and GUIDs (no standard bounds them), long bylines and odd language tags are stored on
    both engines: PostgreSQL enforces column sizes, and it refused such stories into dead letters."""
    from services.parser.parse_entry import parse_entry

    first, twin, other = (parse_entry(_oversized_entry(tail)) for tail in ("a", "a", "b"))
    assert len(first.article_key.encode()) <= 2048 and first.article_key != other.article_key
    with sessions.begin() as session:
        results = [repository.upsert_article(session, article) for article in (first, twin, other)]
    assert [r.outcome for r in results] == ["inserted", "unchanged", "inserted"]
    with sessions() as session:
        row = session.get(ArticleRow, results[0].article_id)
        assert row.url is not None and row.url.endswith("a") and len(row.url) > 5000
        assert len(row.guid or "") > 5000 and row.canonical_url and row.image_url
        assert repository.count_articles(session) == 2


def test_the_parsers_minhash_is_used_and_a_bad_one_recomputed(sessions) -> None:  # type: ignore[no-untyped-def]
    """The store takes the signature the parser sent (it is the single writer on SQLite; the parser runs in
    parallel) and computes one itself when the message carries none or a broken one."""
    from shared import minhash

    text = " ".join(f"word{i}" for i in range(40))
    other = minhash.signature(" ".join(f"other{i}" for i in range(40)))
    cases = {"sent": minhash.encode(other), "broken": "bm90IG91cnM=", "absent": None}
    with sessions.begin() as session:
        ids = {name: repository.upsert_article(session, make(f"feed:1:guid:{name}", text=text, minhash=value))
               .article_id for name, value in cases.items()}  # fmt: skip
    with sessions() as session:
        stored = {name: session.get(ArticleRow, i).minhash for name, i in ids.items()}
    assert stored["sent"] == other
    assert stored["broken"] == stored["absent"] == minhash.signature(text)
