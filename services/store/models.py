"""The article DB: one row per story (unique article key) and its labels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
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
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_key: Mapped[str] = mapped_column(String(2048), unique=True)
    feed_id: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))
    entry_key: Mapped[str] = mapped_column(String(2048))
    guid: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
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
    canonical_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    image_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    facts: Mapped[dict] = mapped_column(JSON, default=dict)  # countries, people, organisations, events

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
