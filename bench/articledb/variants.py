"""The query shapes this benchmark recommends, swapped into services.store.queries at run time so
measure.py can show before/after figures on the same DB without editing the project:

    python -m bench.articledb.measure --url URL --variant exists     # filters as EXISTS, FTS probe
    python -m bench.articledb.measure --url URL --variant window     # … and relevance over a window

exists: every entity filter (label, country, person, organisation, event) is a correlated EXISTS on the
        entity table's primary key instead of `articles.id IN (subquery)`; on SQLite a text search sorted
        by date scans ix_articles_published_at newest first and probes the FTS match set (`id + 0 IN`)
        when the words match many stories (a capped count decides), instead of reading every match; on
        PostgreSQL such a search first looks through the newest PROBE stories (a fenced index walk), so a
        misestimated tsquery (phrases, hyphenated words) cannot become a bitmap scan of every match.
        Same results as the project's queries.
export_rows: what an export needs (columns, labels, countries) in keyset batches of 2,000 without ORM
        objects, the text, the HTML or the five JSON columns; same filters as find_articles.
window: as exists, and a relevance sort with no other filter ranks only the matches among the newest
        WINDOW stories (about nine days at this volume), every match when those are fewer than a page.
        Different results: a product decision (news search usually wants recent hits first anyway).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    column,
    exists,
    func,
    literal_column,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session, aliased

from services.store import queries
from services.store.models import (
    Article,
    ArticleCountry,
    ArticleEvent,
    ArticleLabel,
    ArticleOrganisation,
    ArticlePerson,
)
from services.store.queries import ArticleQuery, Page, fts5_query

BROAD = 1000  # SQLite: a search matching at least this many stories is "broad": walk the date index
PROBE = 2000  # PostgreSQL: the newest stories a text search looks through before the planner's plan runs
WINDOW = 5000  # window variant: a relevance sort ranks the matches among this many newest stories
ORIGINAL = {"find_articles": queries.find_articles, "_filtered": queries._filtered}


def use(variant: str) -> None:
    """Swap the project's query builders for a variant's ("project" restores the originals)."""
    for name, function in ORIGINAL.items():
        setattr(queries, name, function)
    if variant in ("exists", "window"):
        queries._filtered = _filtered
        queries.find_articles = _finder(window=variant == "window")
    elif variant != "project":
        raise ValueError(f"unknown variant {variant!r}")


def _finder(window: bool):  # type: ignore[no-untyped-def]
    def find_articles(session: Session, query: ArticleQuery) -> Page:
        dialect = session.get_bind().dialect.name
        if query.sort == "published" and query.q and dialect == "sqlite":
            capped = text(
                "select count(*) from (select 1 from articles_fts where articles_fts match :f limit :n)"
            )
            broad = (session.scalar(capped, {"f": fts5_query(query.q), "n": BROAD}) or 0) >= BROAD
            _broad_search[0] = broad
        if (
            query.sort == "published"
            and query.q
            and dialect == "postgresql"
            and _only_text(query, "since", "until")
        ):
            page = _newest_matches(session, query)
            if page is not None:
                return page
        if query.sort == "relevance" and window and _only_text(query):
            page = _windowed(session, query, dialect)
            if page is not None:
                return page
        return ORIGINAL["find_articles"](session, query)

    return find_articles


_broad_search = [False]  # set by find_articles for the _filtered call it makes next (one thread)


def _filtered(statement: Select, query: ArticleQuery, dialect: str) -> Select:  # type: ignore[type-arg]
    conditions: list[ColumnElement[bool]] = []
    if query.label:
        label = [ArticleLabel.article_id == Article.id, ArticleLabel.label == query.label]
        if query.min_score is not None:
            label.append(ArticleLabel.score >= query.min_score)
        conditions.append(exists().where(*label))
    if query.country and query.country_mode == "any":
        conditions.append(_exists(ArticleCountry.article_id, ArticleCountry.code.in_(query.country)))
    for code in query.country if query.country_mode == "all" else []:
        conditions.append(_exists(ArticleCountry.article_id, ArticleCountry.code == code))
    if query.person:
        pattern = f"%{queries._like(query.person.lower())}%"
        named = ArticlePerson.name_key.like(pattern, escape="\\")
        conditions.append(_exists(ArticlePerson.article_id, named))
    if query.organisation:
        org = ArticleOrganisation.org_id == query.organisation
        conditions.append(_exists(ArticleOrganisation.article_id, org))
    if query.event:
        conditions.append(_exists(ArticleEvent.article_id, ArticleEvent.type == query.event))
    if query.source:
        conditions.append(func.lower(Article.source) == query.source.lower())
    if query.language:
        conditions.append(Article.language == query.language)
    if query.since:
        conditions.append(Article.published_at >= query.since)
    if query.until:
        conditions.append(Article.published_at < query.until)
    if query.q:
        if dialect == "sqlite" and query.sort == "published" and _broad_search[0]:
            matched = text("select rowid from articles_fts where articles_fts match :fts").bindparams(
                fts=fts5_query(query.q)
            )
            conditions.append((Article.id + 0).in_(matched))  # +0: not an index lookup, a probe
        elif dialect == "sqlite" and query.sort == "relevance":
            pass  # _by_relevance joins the ranked matches: a second FTS pass adds nothing
        else:
            conditions.append(queries._matches(query.q, dialect))
    return statement.where(and_(*conditions)) if conditions else statement


def _exists(article_id: Any, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(article_id == Article.id, condition)


def _only_text(query: ArticleQuery, *allowed: str) -> bool:
    others = query.model_dump(exclude={"q", "sort", "limit", "cursor", "country_mode", *allowed})
    return not any(others.values())


def _newest_matches(session: Session, query: ArticleQuery) -> Page | None:
    """PostgreSQL, newest first: the page from the newest PROBE stories (a fenced walk of the date index,
    so a misestimated tsquery cannot turn it into a bitmap scan of every match), or None when they hold
    less than a page. Exact: any match outside them is older than every match inside."""
    vector = literal_column("articles.search_vector")
    inner = queries._filtered(select(Article, vector.label("sv")), query.model_copy(update={"q": None}), "")
    if query.cursor:
        when, last_id = queries._decode(query.cursor, 2)
        after = tuple_(datetime.fromisoformat(when), int(last_id))
        inner = inner.where(tuple_(Article.published_at, Article.id) < after)
    recent = inner.order_by(Article.published_at.desc(), Article.id.desc()).limit(PROBE).subquery("recent")
    row = aliased(Article, recent)
    statement = (
        select(row)
        .where(recent.c.sv.op("@@")(func.websearch_to_tsquery("english", query.q)))
        .order_by(recent.c.published_at.desc(), recent.c.id.desc())
        .limit(query.limit + 1)
    )
    rows = list(session.scalars(statement))
    if len(rows) <= query.limit:
        return None
    items = rows[: query.limit]
    cursor = queries._encode([items[-1].published_at.isoformat(), items[-1].id])
    return Page(items, cursor, queries.snippets_for(session, [a.id for a in items], query.q, "postgresql"))


def _windowed(session: Session, query: ArticleQuery, dialect: str) -> Page | None:
    """Rank the matches among the newest WINDOW stories (ids follow fetch order), or None when fewer than
    a page of them match (then every match is ranked, as the project does). Offset cursor, as the project."""
    offset = int(queries._decode(query.cursor, 1)[0]) if query.cursor else 0
    q = query.q or ""
    floor = (session.scalar(select(func.max(Article.id))) or 0) - WINDOW
    if dialect == "postgresql":
        tsquery = func.websearch_to_tsquery("english", q)
        vector = literal_column("articles.search_vector")
        # OFFSET 0 fences the id range: a misestimated tsquery cannot turn it into a GIN scan of all matches
        newest = select(Article.id, vector.label("sv")).where(Article.id > floor).offset(0).subquery("newest")
        ranked = (
            select(newest.c.id, func.ts_rank_cd(newest.c.sv, tsquery).label("score"))
            .where(newest.c.sv.op("@@")(tsquery))
            .subquery("ranked")
        )
        order = [ranked.c.score.desc(), Article.id.desc()]
    else:
        ranked = (
            text(
                "select rowid as id, bm25(articles_fts, 10.0, 1.0) as score from articles_fts "
                "where articles_fts match :fts and rowid > :floor"
            )
            .bindparams(fts=fts5_query(q), floor=floor)
            .columns(column("id", Integer), column("score", Float))
            .subquery("ranked")
        )
        order = [ranked.c.score, Article.id.desc()]
    statement = select(Article).join(ranked, ranked.c.id == Article.id).order_by(*order)
    rows = list(session.scalars(statement.offset(offset).limit(query.limit + 1)))
    if not offset and len(rows) <= query.limit:
        return None
    more = len(rows) > query.limit
    items = rows[: query.limit]
    snippets = queries.snippets_for(session, [a.id for a in items], q, dialect)
    return Page(items, queries._encode([offset + query.limit]) if more else None, snippets)


def export_rows(session: Session, query: ArticleQuery, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """The rows of newswire/api/exports.py:row_of, read as plain columns, newest first."""
    dialect = session.get_bind().dialect.name
    columns = (Article.id, Article.published_at, Article.source, Article.title, Article.url, Article.language,
               Article.summary)  # fmt: skip
    after: tuple[Any, int] | None = None
    while True:
        statement = queries._filtered(select(*columns), query, dialect)
        if after:
            statement = statement.where(tuple_(Article.published_at, Article.id) < tuple_(*after))
        order = (Article.published_at.desc(), Article.id.desc())
        rows = session.execute(statement.order_by(*order).limit(batch)).all()
        if not rows:
            return
        ids = [row.id for row in rows]
        labels: dict[int, list[str]] = defaultdict(list)
        countries: dict[int, list[str]] = defaultdict(list)
        for table, key, found in ((ArticleLabel, ArticleLabel.label, labels),
                                  (ArticleCountry, ArticleCountry.code, countries)):  # fmt: skip
            pairs = (
                select(table.article_id, key).where(table.article_id.in_(ids)).order_by(table.article_id, key)
            )
            for article_id, value in session.execute(pairs):
                found[article_id].append(value)
        for row in rows:
            yield {
                **row._asdict(), "published_at": row.published_at.isoformat(), "labels": labels[row.id],
                "countries": countries[row.id],
            }  # fmt: skip
        if len(rows) < batch:
            return
        after = (rows[-1].published_at, rows[-1].id)
