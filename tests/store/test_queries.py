"""The article DB people query, on real SQLite and PostgreSQL: one story once, revisions, entities,
clusters across outlets, full-text search with snippets, filters and cursor pagination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from services.store import repository
from services.store.models import Article as ArticleRow
from services.store.models import ArticleRevision, Source, StoryCluster
from services.store.queries import ArticleQuery, QueryError, find_articles, fts5_query, iter_articles
from shared.messages import Article
from shared.settings import Settings

T0 = datetime(2026, 11, 20, 10, tzinfo=UTC)
RELEASE = (
    "The heads of defense departments of Azerbaijan and Uzbekistan, Colonel General Zakir Hasanov and Major "
    "General Bakhodir Kurbanov have signed a plan for bilateral military cooperation for 2020. Hasanov met "
    "with Kurbanov on the lead-up to the next meeting of the CIS Ministers of Defense Council to be held in "
    "Baku on October 30, the press service of the Ministry of Defense has reported."
)
FACTS = {
    "countries": [{"code": "AZ", "name": "Azerbaijan", "count": 3, "in_title": True},
                  {"code": "UZ", "name": "Uzbekistan", "count": 2, "in_title": True},
                  {"code": "BY", "name": "Belarus", "count": 1, "in_title": False}],
    "main_pair": ["AZ", "UZ"],
    "people": [{"name": "Zakir Hasanov", "rank": "Colonel General", "role": "Defense Minister", "country": "AZ"}],
    "organisations": [{"id": "CIS", "name": "Commonwealth of Independent States", "country": None, "count": 1}],
    "events": [{"type": "agreement_signed", "cameo": "057", "actors": ["AZ", "UZ"], "date": "2019-10-29",
                "sentence": "…"}],
}  # fmt: skip


def make(link: str, text: str = RELEASE, source: str = "Azernews", feed_id: int = 1, **kw) -> Article:  # type: ignore[no-untyped-def]
    from services.parser.canonical import article_key

    values = dict(
        feed_id=feed_id, source=source, entry_key=link, article_key=article_key(feed_id, None, link, link),
        url=link, title="Azerbaijan, Uzbekistan sign military cooperation plan", text=text, html="",
        published_at=T0, fetched_at=T0, labels=["defense", "diplomacy"],
        scores={"defense": 0.99, "diplomacy": 0.9}, content_hash=str(hash((link, text))), facts=FACTS,
    )  # fmt: skip
    values.update(kw)
    return Article(**values)


@pytest.fixture
def sessions(database_url: str, tmp_path):  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    repository.ensure_schema(settings)
    yield repository.session_factory(settings)
    repository.engine_for.cache_clear()


def save(sessions, *articles: Article) -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    for article in articles:
        with sessions.begin() as session:
            ids.append(repository.upsert_article(session, article).article_id)
    return ids


def test_one_article_through_two_feeds_and_spellings_is_one_row(sessions) -> None:  # type: ignore[no-untyped-def]
    ids = save(
        sessions,
        make("https://www.azernews.az/nation/157965.html", feed_id=1),
        make("http://azernews.az/nation/157965.html/?utm_source=rss", feed_id=2),
        make("https://m.azernews.az/nation/157965.html", feed_id=3),
        make("https://www.azernews.az/amp/nation/157965.html", feed_id=4),
    )
    assert len(set(ids)) == 1
    with sessions() as session:
        assert session.scalar(select(Source.name)) == "Azernews"
        assert len(session.scalars(select(ArticleRow)).all()) == 1


def test_a_page_canonical_url_joins_a_differently_linked_entry(sessions) -> None:  # type: ignore[no-untyped-def]
    first, second = save(
        sessions,
        make(
            "https://www.azernews.az/nation/157965.html",
            canonical_url="https://www.azernews.az/nation/157965.html",
        ),
        make(
            "https://www.azernews.az/rss-redirect?id=157965",
            canonical_url="https://azernews.az/nation/157965.html",
        ),
    )
    assert first == second


def test_changed_text_is_a_revision_that_keeps_the_old_text(sessions) -> None:  # type: ignore[no-untyped-def]
    link = "https://trend.az/news/1.html"
    [article_id] = set(save(sessions, make(link), make(link, text=RELEASE + " Updated with comments.",
                                                        fetched_at=T0 + timedelta(hours=1))))  # fmt: skip
    with sessions() as session:
        row = session.get(ArticleRow, article_id)
        assert row.revision_count == 1 and row.text.endswith("Updated with comments.")
        [revision] = session.scalars(select(ArticleRevision)).all()
        assert revision.text == RELEASE and revision.revision == 1


def test_same_story_from_several_outlets_is_one_cluster_with_the_first_publisher(sessions) -> None:  # type: ignore[no-untyped-def]
    rewritten = RELEASE.replace("have signed", "signed").replace("the press service", "the press office")
    ids = save(
        sessions,
        make("https://trend.az/a/1", source="Trend", published_at=T0 + timedelta(minutes=30)),
        make("https://azernews.az/a/1", source="Azernews", published_at=T0),
        make("https://report.az/a/1", source="Report.az", text=rewritten, published_at=T0 + timedelta(hours=2)),
        make("https://apa.az/other", source="APA", text="Baku will host an international carpet exhibition next "
             "month and artisans from twelve countries are expected to attend the event, organised by the "
             "Azerbaijan Carpet Museum, which will present more than 200 works of art from many regions."),
    )  # fmt: skip
    with sessions() as session:
        rows = {row.id: row for row in session.scalars(select(ArticleRow))}
        assert rows[ids[0]].cluster_id == rows[ids[1]].cluster_id == rows[ids[2]].cluster_id is not None
        assert rows[ids[3]].cluster_id is None
        [cluster] = session.scalars(select(StoryCluster)).all()
        assert (cluster.first_source, cluster.article_count, cluster.source_count) == ("Azernews", 3, 3)


def test_an_updated_article_and_a_new_one_join_a_cluster_in_one_batch(sessions) -> None:  # type: ignore[no-untyped-def]
    """The update path (an ORM row) and the insert path (no row loaded) cluster in one transaction: each
    sees the other's cluster, and the counts add up."""
    carpet = ("Baku will host an international carpet exhibition next month and artisans from twelve countries "
              "are expected to attend the event, organised by the Azerbaijan Carpet Museum, with 200 works.")  # fmt: skip
    first, changing = save(
        sessions,
        make("https://azernews.az/a/1", source="Azernews"),
        make("https://trend.az/a/1", source="Trend", text=carpet, published_at=T0 - timedelta(hours=1)),
    )
    later = T0 + timedelta(hours=1)
    batch = [make("https://trend.az/a/1", source="Trend", fetched_at=later, published_at=T0 - timedelta(hours=1)),
             make("https://apa.az/a/1", source="APA", published_at=T0 + timedelta(hours=3))]  # fmt: skip
    with sessions.begin() as session:
        saved, refused = repository.save_batch(session, batch)
    assert refused == [] and [r.outcome for _, r in saved] == ["updated", "inserted"]
    with sessions() as session:
        rows = {row.id: row for row in session.scalars(select(ArticleRow))}
        assert rows[first].cluster_id == rows[changing].cluster_id == rows[saved[1][1].article_id].cluster_id
        [cluster] = session.scalars(select(StoryCluster)).all()
        assert (cluster.article_count, cluster.source_count) == (3, 3)
        assert (cluster.first_source, cluster.first_article_id) == ("Trend", changing)  # published first


def test_twins_stored_at_once_by_parallel_writers_are_one_cluster(sessions) -> None:  # type: ignore[no-untyped-def]
    """Eight outlets' copies of one release arrive in eight batches written at the same time (the store's
    threads, or several store workers on PostgreSQL): each copy must meet the others, whatever the order
    of their transactions, and the cluster's counts must add up."""
    from concurrent.futures import ThreadPoolExecutor

    def unrelated(n: int) -> str:
        return " ".join(f"topic{n}word{i}" for i in range(40))

    batches = [
        [make(f"https://outlet{b}.az/release", source=f"Outlet {b}", published_at=T0 + timedelta(minutes=b))]
        + [make(f"https://outlet{b}.az/other/{i}", source=f"Outlet {b}", text=unrelated(b * 10 + i)) for i in range(4)]
        for b in range(8)
    ]  # fmt: skip

    def store(batch: list[Article]) -> None:
        with sessions.begin() as session:
            saved, refused = repository.save_batch(session, batch)
            assert refused == [] and len(saved) == 5

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(store, batches))
    with sessions() as session:
        twins = session.scalars(select(ArticleRow).where(ArticleRow.url.like("%/release"))).all()
        assert len({row.cluster_id for row in twins}) == 1 and twins[0].cluster_id is not None
        [cluster] = session.scalars(select(StoryCluster)).all()
        assert (cluster.article_count, cluster.source_count, cluster.first_source) == (8, 8, "Outlet 0")


def test_filters_on_labels_countries_people_organisations_events(sessions) -> None:  # type: ignore[no-untyped-def]
    sample_id, other_id = save(
        sessions,
        make("https://azernews.az/a/1"),
        make("https://azernews.az/a/2", text="Football: the Nations League match in Baku ended 1-1.", labels=[],
             scores={}, facts={"countries": [{"code": "AZ", "name": "Azerbaijan", "count": 1}]}),
    )  # fmt: skip
    cases = {
        "label": ArticleQuery(label="defense"),
        "label-score": ArticleQuery(label="diplomacy", min_score=0.8),
        "both-of-pair": ArticleQuery(country=["AZ", "UZ"], country_mode="all"),
        "any-country": ArticleQuery(country="UZ,KZ"),
        "person": ArticleQuery(person="hasanov"),
        "organisation": ArticleQuery(organisation="CIS"),
        "event": ArticleQuery(event="agreement_signed"),
        "dates": ArticleQuery(since=T0 - timedelta(days=1), until=T0 + timedelta(days=1), label="defense"),
    }
    with sessions() as session:
        for name, query in cases.items():
            assert [a.id for a in find_articles(session, query).items] == [sample_id], name
        assert {a.id for a in find_articles(session, ArticleQuery(country=["AZ"])).items} == {
            sample_id,
            other_id,
        }
        assert find_articles(session, ArticleQuery(label="diplomacy", min_score=0.95)).items == []


def test_full_text_search_ranks_and_marks_the_words(sessions) -> None:  # type: ignore[no-untyped-def]
    sample_id, _other = save(sessions, make("https://azernews.az/a/1"),
                             make("https://azernews.az/a/2", text="A concert of Lithuanian music in Baku " * 5,
                                  title="Lithuanian music sounds in Baku"))  # fmt: skip
    with sessions() as session:
        page = find_articles(session, ArticleQuery(q="military cooperation", sort="relevance"))
        assert [a.id for a in page.items] == [sample_id]
        assert "\ue000" in page.snippets[sample_id] and "cooperation" in page.snippets[sample_id].lower()
        assert [a.id for a in find_articles(session, ArticleQuery(q='"Colonel General" -concert')).items] == [
            sample_id
        ]
        assert [a.id for a in find_articles(session, ArticleQuery(q="cooperating")).items] == [sample_id]


def test_cursor_pages_through_everything_once(sessions) -> None:  # type: ignore[no-untyped-def]
    links = [f"https://azernews.az/a/{i}" for i in range(7)]
    save(sessions, *(make(link, published_at=T0 - timedelta(hours=i % 3)) for i, link in enumerate(links)))
    with sessions() as session:
        seen, query = [], ArticleQuery(limit=3)
        while True:
            page = find_articles(session, query)
            seen += [a.id for a in page.items]
            if not page.next_cursor:
                break
            query = query.model_copy(update={"cursor": page.next_cursor})
        assert len(seen) == len(set(seen)) == 7
        assert [a.id for a in iter_articles(session, ArticleQuery(), batch=2)] == seen


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"country": ["Azerbaijan"]}, "ISO 3166-1", id="country-name"),
        pytest.param({"sort": "relevance"}, "needs a text query", id="relevance-without-q"),
        pytest.param({"min_score": 2}, "less than or equal", id="score-above-one"),
        pytest.param({"since": T0, "until": T0}, "since must be before until", id="empty-range"),
        pytest.param({"limit": 0}, "greater than or equal", id="limit-zero"),
        pytest.param({"colour": "red"}, "Extra inputs", id="unknown-filter"),
    ],
)
def test_bad_filters_are_refused_with_a_clear_message(kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ArticleQuery(**kwargs)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        pytest.param("military cooperation", '"military" "cooperation"', id="words-and"),
        pytest.param('"Colonel General" Hasanov', '"Colonel General" "Hasanov"', id="phrase"),
        pytest.param("NATO OR CSTO", '"NATO" OR "CSTO"', id="or"),
        pytest.param("Baku -football", '"Baku" NOT "football"', id="not"),
        pytest.param("cooperat*", '"cooperat"', id="star-ignored"),
        pytest.param('drop"; table) NEAR(', '"drop" "table" "NEAR"', id="syntax-defused"),
    ],
)
def test_fts5_query(q: str, expected: str) -> None:
    assert fts5_query(q) == expected


def test_a_search_with_no_words_is_refused() -> None:
    with pytest.raises(QueryError, match="at least one word"):
        fts5_query('"" - *')


def test_query_parameters_as_urls_send_them() -> None:
    assert ArticleQuery(country=["AZ,uz", "KZ"]).country == ["AZ", "UZ", "KZ"]
    assert ArticleQuery(since=datetime(2026, 11, 1)).since == datetime(2026, 11, 1, tzinfo=UTC)


def test_fast_search_plans_give_the_general_answer(sessions, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The million-row plans (services/store/fulltext.py) page through the same results as the general
    query: relevance within the newest stories, date order through the newest first, the broad probe."""
    from services.store import fulltext

    texts = [f"Talks in Baku number {i}. " + "The ministers met in Baku to discuss the corridor. " * (i + 1)
             for i in range(5)]  # fmt: skip
    save(sessions, *(make(f"https://azernews.az/b/{i}", text=t, title=f"Baku talks {i}",
                          published_at=T0 + timedelta(hours=i)) for i, t in enumerate(texts)))  # fmt: skip
    monkeypatch.setattr(fulltext, "BROAD", 1)  # every search is "broad" on SQLite

    def walk(query: ArticleQuery) -> list[str]:
        titles = []
        with sessions() as session:
            while True:
                page = find_articles(session, query)
                titles += [a.title for a in page.items]
                if not page.next_cursor:
                    return titles
                query = query.model_copy(update={"cursor": page.next_cursor})

    newest = walk(ArticleQuery(q="corridor", limit=2))
    assert newest == [f"Baku talks {i}" for i in (4, 3, 2, 1, 0)]
    ranked = walk(ArticleQuery(q="corridor", sort="relevance", limit=2))
    assert sorted(ranked) == sorted(newest) and len(ranked) == 5
