"""The query shapes services/store/queries.py had before this benchmark (as of 2026-11-28 00:30), kept so
before/after figures can be measured on the same DB: `measure.py --variant original` swaps them in.

original: entity filters (label, country, person, organisation, event) as `articles.id IN (subquery)`;
          a text filter as `articles.id IN (select rowid from articles_fts …)` (SQLite) or a plain
          `search_vector @@` (PostgreSQL) whatever the sort; a relevance sort ranks every match (and on
          SQLite runs the FTS query twice: the IN filter and the ranked join). Exports read ORM objects
          (iter_articles), every column included.

The project's queries now walk the date index with EXISTS probes, probe broad text searches, look
through the newest stories first on PostgreSQL, rank relevance over the newest stories and export plain
columns (services/store/fulltext.py, queries.iter_export_rows); README.md has both sets of figures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, tuple_
from sqlalchemy.orm import Session

from services.store import queries
from services.store.models import (
    Article,
    ArticleCountry,
    ArticleEvent,
    ArticleLabel,
    ArticleOrganisation,
    ArticlePerson,
)
from services.store.queries import ArticleQuery, Page

CURRENT = {"find_articles": queries.find_articles}


def use(variant: str) -> None:
    """Run the project's current queries ("project") or the shapes it had before ("original")."""
    queries.find_articles = CURRENT["find_articles"]
    if variant == "original":
        queries.find_articles = find_articles
    elif variant != "project":
        raise ValueError(f"unknown variant {variant!r}")


def find_articles(session: Session, query: ArticleQuery) -> Page:
    """find_articles as it was: one statement, whatever the filters and the sort."""
    dialect = session.get_bind().dialect.name
    statement = filtered(select(Article), query, dialect)
    if query.sort == "relevance":
        offset = int(queries._decode(query.cursor, 1)[0]) if query.cursor else 0
        statement = queries._by_relevance(statement, query.q or "", dialect)
        rows = list(session.scalars(statement.offset(offset).limit(query.limit + 1)))
        cursor = queries._encode([offset + query.limit]) if len(rows) > query.limit else None
    else:
        if query.cursor:
            when, last_id = queries._decode(query.cursor, 2)
            after = tuple_(datetime.fromisoformat(when), int(last_id))
            statement = statement.where(tuple_(Article.published_at, Article.id) < after)
        order = (Article.published_at.desc(), Article.id.desc())
        rows = list(session.scalars(statement.order_by(*order).limit(query.limit + 1)))
        last = rows[query.limit - 1] if len(rows) > query.limit else None
        cursor = queries._encode([last.published_at.isoformat(), last.id]) if last else None
    items = rows[: query.limit]
    ids = [a.id for a in items]
    snippets = queries.snippets_for(session, ids, query.q, dialect) if query.q else {}
    return Page(items, cursor, snippets)


def filtered(statement: Select, query: ArticleQuery, dialect: str) -> Select:  # type: ignore[type-arg]
    """_filtered as it was: `articles.id IN (…)` for every entity filter and for the text filter."""
    conditions: list[ColumnElement[bool]] = []
    if query.label:
        labelled = select(ArticleLabel.article_id).where(ArticleLabel.label == query.label)
        if query.min_score is not None:
            labelled = labelled.where(ArticleLabel.score >= query.min_score)
        conditions.append(Article.id.in_(labelled))
    if query.country and query.country_mode == "any":
        conditions.append(_having(ArticleCountry.article_id, ArticleCountry.code.in_(query.country)))
    for code in query.country if query.country_mode == "all" else []:
        conditions.append(_having(ArticleCountry.article_id, ArticleCountry.code == code))
    if query.person:
        named = ArticlePerson.name_key.like(f"%{queries._like(query.person.lower())}%", escape="\\")
        conditions.append(_having(ArticlePerson.article_id, named))
    if query.organisation:
        org = ArticleOrganisation.org_id == query.organisation
        conditions.append(_having(ArticleOrganisation.article_id, org))
    if query.event:
        conditions.append(_having(ArticleEvent.article_id, ArticleEvent.type == query.event))
    if query.source:
        conditions.append(func.lower(Article.source) == query.source.lower())
    if query.language:
        conditions.append(Article.language == query.language)
    if query.since:
        conditions.append(Article.published_at >= query.since)
    if query.until:
        conditions.append(Article.published_at < query.until)
    if query.q:
        conditions.append(queries._matches(query.q, dialect))
    return statement.where(and_(*conditions)) if conditions else statement


def _having(article_id: Any, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return Article.id.in_(select(article_id).where(condition))
