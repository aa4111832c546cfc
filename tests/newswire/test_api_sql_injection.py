"""Filters cannot inject SQL: hostile values (quotes, comments, stacked statements, unicode, NUL, lone
surrogates, 100,000 characters, huge numbers, forged cursors, FTS syntax) sent over real HTTP to
`newswire api` on SQLite and PostgreSQL. Every answer is 200 with the right rows or 422 with a reason,
never a 500, and every table holds what it held before."""

from __future__ import annotations

import base64
import http.client
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa

from services.parser.canonical import article_key
from services.store import repository
from shared.messages import Article
from shared.settings import Settings
from tests.newswire.test_api_security import serve

pytestmark = pytest.mark.security
KEY = "s3cret-key"
T0 = datetime(2019, 10, 29, 14, tzinfo=UTC)
PLAIN, QUOTED, UNICODE = "plain", "quoted", "unicode"
STORIES = {
    PLAIN: dict(
        source="Azernews", title="Azerbaijan, Uzbekistan sign military cooperation plan",
        text="The defense ministers of Azerbaijan and Uzbekistan signed a plan for military cooperation in "
             "Baku, the ministry said. Colonel General Zakir Hasanov met Bakhodir Kurbanov.",
        labels=["defense", "diplomacy"], scores={"defense": 0.99, "diplomacy": 0.9},
        facts={"countries": [{"code": "AZ", "name": "Azerbaijan", "count": 2, "in_title": True},
                             {"code": "UZ", "name": "Uzbekistan", "count": 2, "in_title": True}],
               "people": [{"name": "Zakir Hasanov", "rank": "Colonel General", "role": None, "country": "AZ"}],
               "organisations": [{"id": "CIS", "name": "CIS", "country": None, "count": 1}],
               "events": [{"type": "agreement_signed", "cameo": "057", "actors": ["AZ", "UZ"],
                           "date": "2019-10-29", "sentence": "signed a plan"}]},
    ),
    QUOTED: dict(
        source="O'Reilly \"Wire\"", title="Colonel's \"quoted\" report; DROP TABLE articles; --",
        text="Intruders typed ' OR 1=1 -- and \"; DROP TABLE articles; -- into the ministry's portal, "
             "said Dara O'Brien.",
        labels=["defense"], scores={"defense": 0.8},
        facts={"countries": [{"code": "GE", "name": "Georgia", "count": 1, "in_title": False}],
               "people": [{"name": "Dara O'Brien", "rank": None, "role": None, "country": "GE"}]},
    ),
    UNICODE: dict(
        source="وكالة 🛡 Агентство", title="وزارة الدفاع — Министерство обороны 🛡️",
        text="وزارة الدفاع الأذربيجانية أعلنت. Министерство обороны Азербайджана провело учения 🛡️ ‮txet‬",
        labels=["diplomacy"], scores={"diplomacy": 0.7},
        facts={"countries": [{"code": "KZ", "name": "Kazakhstan", "count": 1, "in_title": False}]},
    ),
}  # fmt: skip
HOSTILE: dict[str, str | bytes] = {
    "quote-tautology": "' OR 1=1 --",
    "drop-table": '"; DROP TABLE articles; --',
    "stacked": "1; DELETE FROM articles",
    "union": "x' UNION SELECT id, title FROM articles --",
    "comment": "/**/OR/**/1=1",
    "backslash-quote": "\\' OR \\'1\\'=\\'1",
    "like-percent": "%%",
    "like-underscore": "__",
    "json-operator": '{"$gt": ""}',
    "crlf": "a\r\nX-Injected: 1",
    "rtl-override": "\u202eevil\u202c",
    "arabic": "وزارة",
    "emoji": "🛡️💥",
    "zero-width": "a\u200db\u200b",
    "nul": "a\x00b",
    "lone-surrogate": b"\xed\xa0\x80",  # a surrogate in UTF-8 form: what a client can send of one
    "invalid-utf8": b"\xff\xfe'",
    "long-15k": "x" * 15_000,
    "huge-int": str(10**30),
    "huge-negative": str(-(10**30)),
    "float-overflow": "1e309",
    "nan": "NaN",
    "infinity": "-Infinity",
    "hex": "0x7fffffff",
    "far-date": "9999-12-31T23:59:59+14:00",
    "date-injection": "2019-10-29'; --",
}
# Filters that narrow to rows holding the value: a 200 may only return rows that really hold it.
NARROWING = ["label", "person", "organisation", "event", "source", "language", "country"]
# Parameters that order, page or bound: a 200 may return any row, but never a 500.
OTHERS = ["q", "since", "until", "min_score", "sort", "limit", "cursor", "country_mode"]


def story(name: str) -> Article:
    """One stored story of STORIES, as the parser hands it to the store."""
    link = f"https://news.example/{name}"
    values = {"feed_id": 1, "entry_key": link, "article_key": article_key(1, None, link, link), "url": link,
              "html": "", "published_at": T0, "fetched_at": T0, "content_hash": name, **STORIES[name]}  # fmt: skip
    return Article(**values)


def cursor(values: list[Any]) -> str:
    """A cursor shaped like the API's own, carrying whatever the caller forged."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def tables(url: str) -> dict[str, int]:
    """The row count of every table: nothing dropped, emptied or added."""
    engine = repository.engine_for(url, readonly=True)
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return {
            n: conn.execute(sa.select(sa.func.count()).select_from(sa.table(n))).scalar_one() for n in names
        }


class Served:
    """The running API, its DB and what the DB held before the tests."""

    def __init__(self, client: httpx.Client, url: str, ids: dict[str, int], log: Path) -> None:
        self.client, self.url, self.ids, self.log = client, url, ids, log
        self.dialect = sa.make_url(url).get_backend_name()
        self.before = tables(url)

    def get(self, path: str, params: dict[str, str | bytes] | None = None) -> httpx.Response:
        """GET with the query percent-encoded here, so bytes no str can hold reach the server."""
        query = "&".join(f"{name}={quote(value, safe='')}" for name, value in (params or {}).items())
        return self.client.get(path + ("?" + query if query else ""))

    def found(self, answer: httpx.Response) -> set[str]:
        """The stories of a 200 list answer; a 422 must say why; nothing else is acceptable."""
        assert answer.status_code in (200, 422), (answer.status_code, answer.text[:500])
        if answer.status_code == 422:
            assert answer.json()["detail"], answer.text
            return set()
        names = {v: k for k, v in self.ids.items()}
        return {names[item["id"]] for item in answer.json()["items"]}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`newswire api` on a DB holding three stories (one with quotes in every field, one in Arabic,
    Cyrillic and emoji), with no rate limit: this suite sends hundreds of requests."""
    data = tmp_path_factory.mktemp("sqli")
    url, drop = f"sqlite:///{data / 'newswire.db'}", None
    if request.param == "postgresql":
        admin: sa.Engine = request.getfixturevalue("postgres_admin")
        name = f"newswire_test_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        drop = name
    settings = Settings(data_dir=Path(data), database_url=url, seed_default_feeds=False)
    repository.ensure_schema(settings)
    ids = {}
    for name in STORIES:
        with repository.session_factory(settings).begin() as session:
            ids[name] = repository.upsert_article(session, story(name)).article_id
    log = data / "api.log"
    try:
        for client in serve(settings, log, NEWSWIRE_API_RATE_LIMIT="0", NEWSWIRE_API_KEY=KEY):
            served = Served(client, url, ids, log)
            yield served
            assert tables(url) == served.before
    finally:
        repository.engine_for.cache_clear()
        if drop:
            admin = request.getfixturevalue("postgres_admin")
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)'))


@pytest.fixture
def api(served: Served) -> Iterator[Served]:
    """The module's API; every test leaves every table as it found it and the server logs no error."""
    logged = served.log.stat().st_size
    yield served
    assert tables(served.url) == served.before
    with served.log.open("rb") as log:
        log.seek(logged)
        errors = log.read().decode(errors="replace")
    assert "Traceback" not in errors, errors[-3000:]


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_value_in_every_filter(api: Served, value: str | bytes) -> None:
    for name in NARROWING:
        assert api.found(api.get("/articles", {name: value})) == set(), name
    for name in OTHERS:
        assert api.found(api.get("/articles", {name: value})) <= set(STORIES), name
    for path in ("/articles.csv", "/articles.ndjson", "/articles.rss", "/articles.atom"):
        answer = api.get(path, {"source": value, "q": value})
        assert answer.status_code in (200, 422), (path, answer.status_code, answer.text[:300])
        if path == "/articles.csv" and answer.status_code == 200:
            assert answer.text.startswith("id,published_at,")  # the whole stream, not a cut one


@pytest.mark.parametrize("name", ["label", "person", "source", "q", "cursor"])
def test_a_hundred_thousand_characters(api: Served, name: str) -> None:
    """Refused by the HTTP parser (uvicorn's 400, before the app) or with a reason; sent with http.client,
    as httpx itself refuses URLs this long."""
    connection = http.client.HTTPConnection(api.client.base_url.host, api.client.base_url.port, timeout=20)
    try:
        connection.request("GET", f"/articles?{name}=" + quote("' OR 1=1 --" + "x" * 100_000, safe=""))
        status = connection.getresponse().status
    finally:
        connection.close()
    assert status in (400, 414, 422, 431), status
    assert api.client.get("/articles").status_code == 200  # and the server goes on serving


EXACT = {  # filter, the rows it must find
    "source-with-quotes": ({"source": 'O\'Reilly "Wire"'}, {QUOTED}),
    "source-any-case": ({"source": 'o\'reilly "wire"'}, {QUOTED}),
    "source-rtl-emoji": ({"source": "وكالة 🛡 агентство"}, {UNICODE}),
    "source-cyrillic-upper-case": ({"source": "وكالة 🛡 АГЕНТСТВО"}, {UNICODE}),
    "person-with-quote": ({"person": "O'Brien"}, {QUOTED}),
    "person-percent-is-no-wildcard": ({"person": "%%"}, set()),
    "person-underscore-is-no-wildcard": ({"person": "_a"}, set()),
    "q-tautology-is-words": ({"q": "' OR 1=1 --"}, {QUOTED}),
    "q-drop-is-words": ({"q": '"; DROP TABLE articles; --'}, {QUOTED}),
    "q-phrase": ({"q": '"quoted" report'}, {QUOTED}),
    "q-arabic": ({"q": "وزارة"}, {UNICODE}),
    "q-cyrillic": ({"q": "Министерство"}, {UNICODE}),
    "countries": ({"country": "AZ,KZ"}, {PLAIN, UNICODE}),
}


@pytest.mark.parametrize(("params", "expected"), EXACT.values(), ids=EXACT.keys())
def test_hostile_looking_values_find_exactly_their_rows(api: Served, params: dict, expected: set) -> None:
    answer = api.get("/articles", params)
    assert answer.status_code == 200, answer.text
    assert api.found(answer) == expected


# FTS syntax never reaches the engine raw: each is words to look for (200) or a 422 saying why.
# The second value bounds the rows a 200 may hold (PostgreSQL reads `-word` alone as "without word").
FTS_ABUSE = {
    "unbalanced-quote": ('"unbalanced', set()),
    "near-open": ("NEAR(", set()),
    "near-group": ("NEAR(military cooperation, 2)", set()),
    "star": ("*", set()),
    "prefix-star": ("milit*", {PLAIN}),
    "minus": ("-", set()),
    "double-minus": ("--", set()),
    "negation-only": ("-military", {QUOTED, UNICODE}),
    "and-or": ("AND OR", {PLAIN, QUOTED}),
    "or-alone": ("OR", {QUOTED}),
    "trailing-or": ("military OR", {PLAIN}),
    "not": ("NOT military", {PLAIN}),
    "column-filter": ("title:military", set()),  # a column filter would find PLAIN: these are words
    "column-set": ("{title text}: military", set()),
    "caret": ("^military", {PLAIN}),
    "parens": ("(military) AND (", {PLAIN}),
    "empty-phrase": ('"" -', set()),
    "lone-quote": ("'", set()),
    "plus": ("+military", {PLAIN}),
    "backslash": ("\\", set()),
    "emoji-only": ("💥", set()),
    "zero-width-only": ("\u200b", set()),
    "fts-table-name": ("articles_fts", set()),
    "rank-function": ("rank:bm25(articles_fts)", set()),
    "nul": ("military\x00", {PLAIN}),
    "max-length": ("w" * 500, set()),
    "past-max-length": ("w" * 501, set()),
}


@pytest.mark.parametrize(("q", "allowed"), FTS_ABUSE.values(), ids=FTS_ABUSE.keys())
@pytest.mark.parametrize("sort", ["published", "relevance"])
def test_fts_syntax_abuse_in_q(api: Served, q: str, allowed: set, sort: str) -> None:
    assert api.found(api.get("/articles", {"q": q, "sort": sort})) <= allowed
    assert api.found(api.get("/articles", {"q": q, "label": "defense"})) <= allowed


FORGED = {  # sort, cursor values: each answered 422 (or an empty page), never 500
    "date-injection": ("published", ["' OR 1=1 --", 1]),
    "id-injection": ("published", ["2019-10-29T00:00:00+00:00", "1 OR 1=1"]),
    "huge-id": ("published", ["2019-10-29T00:00:00+00:00", 10**30]),
    "nulls": ("published", [None, None]),
    "objects": ("published", [{"a": 1}, [1]]),
    "far-future": ("published", ["9999-12-31T23:59:59+00:00", -1]),
    "wrong-length": ("published", [1, 2, 3]),
    "huge-offset": ("relevance", [10**30]),
    "negative-offset": ("relevance", [-5]),
    "offset-injection": ("relevance", ["5; DROP TABLE articles"]),
    "float-offset": ("relevance", [1.5e308]),
    "not-json": ("relevance", "' OR 1=1 --"),
}


@pytest.mark.parametrize(("sort", "forged"), FORGED.values(), ids=FORGED.keys())
def test_forged_cursors(api: Served, sort: str, forged: list | str) -> None:
    token = forged if isinstance(forged, str) else cursor(forged)
    assert api.found(api.get("/articles", {"cursor": token, "sort": sort, "q": "military"})) <= {PLAIN}


@pytest.mark.parametrize(
    "article_id",
    ["1 OR 1=1", "1; DROP TABLE articles", str(10**30), str(2**31), str(2**63), "-1", "0", "1e3", "0x1",
     "%00", "١"],
)  # fmt: skip
def test_article_ids(api: Served, article_id: str) -> None:
    answer = api.client.get(f"/articles/{quote(article_id, safe='%')}")
    assert answer.status_code in (404, 422) or (
        answer.status_code == 200 and answer.json()["id"] == api.ids[PLAIN]
    ), (
        answer.status_code,
        answer.text[:300],
    )


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_stats_and_stories(api: Served, value: str | bytes) -> None:
    for name in ("since", "until", "by", "label"):
        answer = api.get("/stats", {name: value})
        assert answer.status_code in (200, 422), (name, answer.status_code, answer.text[:300])
    for name in ("since", "until", "min_sources", "limit"):
        answer = api.get("/stories", {name: value})
        assert answer.status_code in (200, 422), (name, answer.status_code, answer.text[:300])


@pytest.mark.parametrize(
    "feed_id", [str(10**30), str(2**31), "1 OR 1=1", "-1", "1%3B%20DROP%20TABLE%20fetcher_feeds"]
)
def test_admin_ids_need_the_key_then_are_checked(api: Served, feed_id: str) -> None:
    assert api.client.delete(f"/feeds/{feed_id}").status_code in (401, 403)
    answer = api.client.delete(f"/feeds/{feed_id}", headers={"X-API-Key": KEY})
    assert answer.status_code in (404, 422), (answer.status_code, answer.text[:300])


@pytest.mark.parametrize(
    "feed",
    [{"url": "http://127.0.0.1:9/rss\x00' OR 1=1 --"}, {"url": "http://127.0.0.1:9/rss", "name": "a\x00b"},
     {"url": "http://127.0.0.1:9/rss'); DROP TABLE fetcher_feeds; --", "name": "x' OR '1'='1"}],
    ids=["nul-url", "nul-name", "quotes"],
)  # fmt: skip
def test_new_feeds_need_the_key_then_are_checked(api: Served, feed: dict) -> None:
    assert api.client.post("/feeds", json=feed).status_code == 401
    answer = api.client.post("/feeds", json=feed, headers={"X-API-Key": KEY})
    assert answer.status_code in (201, 422), (answer.status_code, answer.text[:300])
    if answer.status_code == 201:
        assert answer.json()["url"] == feed["url"]
        assert (
            api.client.delete(f"/feeds/{answer.json()['id']}", headers={"X-API-Key": KEY}).status_code == 204
        )
