"""Cross-outlet story clusters: the same ministry release carried by Azernews, Trend, APA and Report.az,
word for word or lightly rewritten, is one story. MinHash signatures of word 3-shingles (shared/minhash.py),
banded for locality-sensitive hashing in the `lsh_bands` table, so a new article meets only its likely
twins; each candidate is then confirmed by its estimated Jaccard similarity."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from services.store.models import Article, LshBand, StoryCluster
from shared.minhash import signature

__all__ = ["Subject", "assign_cluster", "band_keys", "signature", "similarity"]

BANDS, ROWS = 20, 3  # P(candidate) = 1 - (1 - s^3)^20: 0.5 at s ≈ 0.37, 0.98 at s = 0.6
MIN_JACCARD = 0.35  # rewrites of one release share a third of their 3-word phrases; other stories < 0.1
WINDOW = timedelta(days=7)  # twins are published within days of each other
MAX_CANDIDATES = 50
DEDUP_LOCK = 0x6E657773  # "news": the advisory lock id of the clustering step


@dataclass
class Subject:
    """What clustering reads of an article: a just-inserted row needs no reload from the database."""

    id: int
    minhash: bytes | None
    cluster_id: int | None
    published_at: datetime
    source: str


def band_keys(sig: bytes) -> list[str]:
    """One key per band: a short digest of that band's rows, prefixed by the band number."""
    values = np.frombuffer(sig, dtype=np.uint64)
    keys = []
    for band in range(BANDS):
        rows = values[band * ROWS : (band + 1) * ROWS].tobytes()
        keys.append(f"{band:02d}{hashlib.blake2b(rows, digest_size=8).hexdigest()}")
    return keys


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return float(np.mean(np.frombuffer(a, dtype=np.uint64) == np.frombuffer(b, dtype=np.uint64)))


def assign_cluster(session: Session, article: Article | Subject, now, fresh: bool = False) -> int | None:  # type: ignore[no-untyped-def]
    """File the article's bands, find its closest earlier-indexed twin and join (or found) their cluster;
    `fresh`: the row was just inserted, so it has no old bands to drop."""
    if session.get_bind().dialect.name == "postgresql":
        # Two twins stored at once by two store workers would each miss the other's uncommitted bands:
        # this step runs one transaction at a time (the lock ends with the transaction). SQLite has one
        # writer anyway.
        session.execute(text("select pg_advisory_xact_lock(:key)"), {"key": DEDUP_LOCK})
    if not fresh:
        session.execute(delete(LshBand).where(LshBand.article_id == article.id))
    if article.minhash is None:
        return article.cluster_id
    keys = band_keys(article.minhash)
    session.execute(
        insert(LshBand.__table__),
        [{"article_id": article.id, "band": i, "band_key": k} for i, k in enumerate(keys)],
    )
    # Core statements on the tables (not ORM entities): this step runs for every stored article, and the
    # ORM's per-statement overhead was half of the store's CPU (bench/pipeline.py).
    bands, articles = LshBand.__table__.c, Article.__table__.c
    near = session.scalars(
        select(bands.article_id)
        .where(bands.band_key.in_(keys), bands.article_id != article.id)
        .distinct()
        .limit(MAX_CANDIDATES * 4)
    ).all()
    candidates = session.execute(
        select(articles.id, articles.minhash, articles.cluster_id, articles.source, articles.published_at)
        .where(
            articles.id.in_(near),
            articles.published_at.between(article.published_at - WINDOW, article.published_at + WINDOW),
        )
        .limit(MAX_CANDIDATES)
    ).all()
    best = max(
        ((similarity(article.minhash, c.minhash), c) for c in candidates if c.minhash is not None),
        default=None,
        key=lambda pair: pair[0],
    )
    if best is None or best[0] < MIN_JACCARD:
        return article.cluster_id
    twin = best[1]
    cluster_id = twin.cluster_id or _found(session, twin, now)
    if article.cluster_id != cluster_id:
        _join(session, article, cluster_id, now)
    return cluster_id


def _found(session: Session, twin, now) -> int:  # type: ignore[no-untyped-def]
    cluster_id = session.scalar(
        insert(StoryCluster)
        .values(first_article_id=twin.id, first_source=twin.source, first_published_at=twin.published_at,
                article_count=1, source_count=1, updated_at=now)
        .returning(StoryCluster.id)
    )  # fmt: skip
    session.execute(update(Article).where(Article.id == twin.id).values(cluster_id=cluster_id))
    return int(cluster_id)


def _join(session: Session, article: Article | Subject, cluster_id: int, now) -> None:  # type: ignore[no-untyped-def]
    """Add the article to the cluster in constant time (a boilerplate text shared by thousands of entries
    must not make every insert recount its cluster); the first publisher is the earliest published."""
    clusters, articles = StoryCluster.__table__.c, Article.__table__.c
    cluster = session.execute(
        select(clusters.first_article_id, clusters.first_published_at)
        .where(clusters.id == cluster_id)
        .with_for_update()
    ).one()
    outlet_known = session.scalar(
        select(articles.id)
        .where(articles.cluster_id == cluster_id, articles.source == article.source)
        .limit(1)
    )
    changes = {
        "article_count": clusters.article_count + 1,
        "source_count": clusters.source_count + (0 if outlet_known else 1),
        "updated_at": now,
    }
    if (article.published_at, article.id) < (cluster.first_published_at, cluster.first_article_id):
        changes.update(first_article_id=article.id, first_source=article.source,
                       first_published_at=article.published_at)  # fmt: skip
    session.execute(update(StoryCluster.__table__).where(clusters.id == cluster_id).values(**changes))
    session.execute(update(Article.__table__).where(articles.id == article.id).values(cluster_id=cluster_id))
    if isinstance(
        article, Article
    ):  # written above: the ORM must neither write it again nor hold it unflushed
        set_committed_value(article, "cluster_id", cluster_id)
    else:
        article.cluster_id = cluster_id
