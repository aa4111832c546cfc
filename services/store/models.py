"""The article DB (issue 5): sources, one row per story, its labels, entities, events, revisions and
cross-outlet story clusters. The README's "Schema" section documents it for SQL users."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.database import UTCDateTime


class Base(DeclarativeBase):
    """Declarative base of the article DB (its own metadata, its own migrations)."""


class Article(Base):
    """A stored story; an update replaces its content and keeps first_seen_at."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_published_at", "published_at"),
        Index("ix_articles_source", "source"),
        Index("ix_articles_source_published", "source_id", "published_at"),
        Index("ix_articles_canonical_key", "canonical_key"),
        Index("ix_articles_cluster", "cluster_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_key: Mapped[str] = mapped_column(String(2048), unique=True)
    feed_id: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))
    entry_key: Mapped[str] = mapped_column(String(2048))
    guid: Mapped[str | None] = mapped_column(Text, nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    text_source: Mapped[str] = mapped_column(String(10), default="feed")  # feed | page
    text_flag: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(500), nullable=True)
    language: Mapped[str | None] = mapped_column(String(20), nullable=True)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    date_flag: Mapped[str] = mapped_column(String(20), default="ok")
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    authors: Mapped[list] = mapped_column(JSON, default=list)
    canonical_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    image_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    facts: Mapped[dict] = mapped_column(JSON, default=dict)  # countries, people, organisations, events
    source_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # sources.id
    canonical_key: Mapped[str | None] = mapped_column(String(2048), nullable=True)  # url_key of the page
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revision_count: Mapped[int] = mapped_column(Integer, default=0)
    cluster_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # story_clusters.id
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    labels: Mapped[list[ArticleLabel]] = relationship(
        back_populates="article", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def label_names(self) -> list[str]:
        """Label names in a stable order."""
        return sorted(label.label for label in self.labels)


class ArticleLabel(Base):
    """One label of one article, with its score (a table, so label filters use an index)."""

    __tablename__ = "article_labels"
    __table_args__ = (Index("ix_article_labels_label", "label", "article_id"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    label: Mapped[str] = mapped_column(String(50), primary_key=True)
    score: Mapped[float] = mapped_column(Float)

    article: Mapped[Article] = relationship(back_populates="labels")


class Source(Base):
    """An outlet (Azernews, Trend …): every feed of it files its stories here."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_key: Mapped[str | None] = mapped_column(String(600), nullable=True, index=True)  # name.casefold()
    domain: Mapped[str | None] = mapped_column(String(255), nullable=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArticleRevision(Base):
    """The text an article had before a later version replaced it."""

    __tablename__ = "article_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArticleCountry(Base):
    """A country a story names (ISO 3166-1 alpha-2), how often, and whether it is the main pair."""

    __tablename__ = "article_countries"
    __table_args__ = (Index("ix_article_countries_code", "code", "article_id"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    mentions: Mapped[int] = mapped_column(Integer, default=1)
    in_title: Mapped[bool] = mapped_column(Boolean, default=False)
    main_pair: Mapped[bool] = mapped_column(Boolean, default=False)


class ArticlePerson(Base):
    """An official a story names, with rank, role and country where stated."""

    __tablename__ = "article_people"
    __table_args__ = (Index("ix_article_people_name", "name_key", "article_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # lower-cased, for filters
    rank: Mapped[str | None] = mapped_column(String(100), nullable=True)
    role: Mapped[str | None] = mapped_column(String(200), nullable=True)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)


class ArticleOrganisation(Base):
    """An organisation a story names, normalised (NATO, CIS, MoD-AZ …)."""

    __tablename__ = "article_organisations"
    __table_args__ = (Index("ix_article_organisations_org", "org_id", "article_id"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    mentions: Mapped[int] = mapped_column(Integer, default=1)


class ArticleEvent(Base):
    """An event of a labelled story: CAMEO-style type, actor countries, date."""

    __tablename__ = "article_events"
    __table_args__ = (Index("ix_article_events_type", "type", "article_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(50))
    cameo: Mapped[str] = mapped_column(String(50))
    actors: Mapped[list] = mapped_column(JSON, default=list)
    event_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    sentence: Mapped[str] = mapped_column(Text, default="")


class StoryCluster(Base):
    """One story as several outlets carried it (near-duplicate texts); knows who published first."""

    __tablename__ = "story_clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_article_id: Mapped[int] = mapped_column(Integer)
    first_source: Mapped[str] = mapped_column(String(200))
    first_published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    article_count: Mapped[int] = mapped_column(Integer, default=1)
    source_count: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LshBand(Base):
    """MinHash LSH buckets: articles sharing a band are near-duplicate candidates (see dedup.py)."""

    __tablename__ = "lsh_bands"
    __table_args__ = (Index("ix_lsh_bands_key", "band_key"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    band_key: Mapped[str] = mapped_column(String(40))
