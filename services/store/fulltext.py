"""Plans for full-text queries that stay fast at a million stories (figures in bench/articledb/README.md):
a broad SQLite search sorted by date walks the date index and probes the match set; a PostgreSQL one
looks through the newest stories first; a relevance sort with no other filter ranks the matches among
the newest WINDOW stories (news search wants recent hits; an exhaustive ranking of 100,000 matches took
seconds). Each plan returns None when it cannot fill a page, and the general query runs instead."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, column, func, literal_column, select, text, tuple_
from sqlalchemy.orm import Session, aliased

from services.store.models import Article

BROAD = 1000  # SQLite: a search matching at least this many stories is "broad"
PROBE = 2000  # PostgreSQL: the newest stories a date-sorted search looks through first
WINDOW = 5000  # relevance with no other filter ranks the matches among this many newest stories


def is_broad(session: Session, fts: str) -> bool:
    """Does an FTS5 expression match at least BROAD stories (counted with a cap)?"""
    capped = text("select count(*) from (select 1 from articles_fts where articles_fts match :f limit :n)")
    return (session.scalar(capped, {"f": fts, "n": BROAD}) or 0) >= BROAD


def sqlite_probe(fts: str):  # type: ignore[no-untyped-def]
    """`id + 0 IN (matches)`: the +0 keeps SQLite walking the date index and probing the match set."""
    matched = text("select rowid from articles_fts where articles_fts match :fts").bindparams(fts=fts)
    return (Article.id + 0).in_(matched)


def newest_matches(session: Session, base, q: str, limit: int, after: tuple[datetime, int] | None):  # type: ignore[no-untyped-def]
    """PostgreSQL, newest first: the page from the newest PROBE stories meeting the other filters (a
    fenced walk of the date index), or None when they hold less than a page. Exact: any match outside
    them is older than every match inside."""
    vector = literal_column("articles.search_vector")
    inner = base.add_columns(vector.label("sv"))
    if after is not None:
        inner = inner.where(tuple_(Article.published_at, Article.id) < tuple_(*after))
    recent = inner.order_by(Article.published_at.desc(), Article.id.desc()).limit(PROBE).subquery("recent")
    row = aliased(Article, recent)
    statement = (
        select(row)
        .where(recent.c.sv.op("@@")(func.websearch_to_tsquery("english", q)))
        .order_by(recent.c.published_at.desc(), recent.c.id.desc())
        .limit(limit + 1)
    )
    rows = list(session.scalars(statement))
    return rows if len(rows) > limit else None


def windowed_ranking(session: Session, q: str, fts: str | None, dialect: str, offset: int, limit: int):  # type: ignore[no-untyped-def]
    """The matches among the newest WINDOW stories (ids follow fetch order), best first, or None when
    fewer than a page of them match."""
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
            .bindparams(fts=fts, floor=floor)
            .columns(column("id", Integer), column("score", Float))
            .subquery("ranked")
        )
        order = [ranked.c.score, Article.id.desc()]
    statement = select(Article).join(ranked, ranked.c.id == Article.id).order_by(*order)
    rows = list(session.scalars(statement.offset(offset).limit(limit + 1)))
    if not offset and len(rows) <= limit:
        return None
    return rows
