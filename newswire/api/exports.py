"""Exports of any /articles query: CSV and NDJSON streamed row by row (never the whole result in
memory), and RSS 2.0 / Atom feeds so an analyst can subscribe to a query in their own reader."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from newswire.api.security import require_read
from services.store import repository
from services.store.models import Article
from services.store.queries import ArticleQuery, find_articles, iter_export_rows
from shared.settings import get_settings

router = APIRouter(dependencies=[Depends(require_read)])
CSV_FIELDS = ["id", "published_at", "source", "title", "url", "labels", "countries", "language", "summary"]


def row_of(article: Article) -> dict[str, Any]:
    """One article as a flat export row."""
    return {
        "id": article.id,
        "published_at": article.published_at.isoformat(),
        "source": article.source,
        "title": article.title,
        "url": article.url,
        "labels": {label.label: label.score for label in article.labels},
        "countries": [c["code"] for c in (article.facts or {}).get("countries", [])],
        "language": article.language,
        "summary": article.summary,
    }


def _rows(query: ArticleQuery) -> Iterator[dict[str, Any]]:
    with repository.reader(get_settings())() as session:
        yield from iter_export_rows(session, query)


def _started(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The first row read before the answer starts: a filter that cannot run is a 422, not a cut stream."""
    first = next(rows, None)
    return itertools.chain([] if first is None else [first], rows)


def csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """CSV text, a header then one line per row; labels and countries as ;-joined lists."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "labels": ";".join(row["labels"]), "countries": ";".join(row["countries"])})
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def ndjson_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """One JSON object per line."""
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


@router.get("/articles.csv", summary="Every article of a query as CSV (streamed)")
def export_csv(query: Annotated[ArticleQuery, Query()]) -> StreamingResponse:
    """All matches, newest first; limit and cursor are ignored."""
    headers = {"Content-Disposition": 'attachment; filename="articles.csv"'}
    return StreamingResponse(
        csv_lines(_started(_rows(query))), media_type="text/csv; charset=utf-8", headers=headers
    )


@router.get("/articles.ndjson", summary="Every article of a query as JSON lines (streamed)")
def export_ndjson(query: Annotated[ArticleQuery, Query()]) -> StreamingResponse:
    """All matches, newest first; limit and cursor are ignored."""
    return StreamingResponse(ndjson_lines(_started(_rows(query))), media_type="application/x-ndjson")


def _feed_items(query: ArticleQuery) -> tuple[list[Article], str]:
    with repository.reader(get_settings())() as session:
        items = find_articles(session, query.model_copy(update={"sort": "published", "cursor": None})).items
    return items, describe(query)


def describe(query: ArticleQuery) -> str:
    parts = [f"{query.label} stories" if query.label else "stories"]
    if query.country:
        parts.append(("mentioning " if query.country_mode == "all" else "mentioning any of ")
                     + (" and " if query.country_mode == "all" else ", ").join(query.country))  # fmt: skip
    for name in ("person", "organisation", "event", "source", "language", "q"):
        if getattr(query, name):
            parts.append(f"{name} {getattr(query, name)!r}")
    return "newswire: " + " ".join(parts)


def _self_url(request: Request, path: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "key"]
    return get_settings().public_url.rstrip("/") + path + (f"?{urlencode(params)}" if params else "")


@router.get("/articles.rss", summary="A query as an RSS 2.0 feed")
def export_rss(request: Request, query: Annotated[ArticleQuery, Query()]) -> Response:
    """The newest `limit` matches (default 50) as RSS; subscribe with ?key= if the API needs one."""
    items, title = _feed_items(query)
    body = rss_xml(items, title, _self_url(request, "/articles.rss"))
    return Response(body, media_type="application/rss+xml; charset=utf-8")


@router.get("/articles.atom", summary="A query as an Atom feed")
def export_atom(request: Request, query: Annotated[ArticleQuery, Query()]) -> Response:
    """The newest `limit` matches (default 50) as Atom (RFC 4287)."""
    items, title = _feed_items(query)
    body = atom_xml(items, title, _self_url(request, "/articles.atom"))
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def rss_xml(items: list[Article], title: str, link: str) -> str:
    """RSS 2.0 of the articles (ElementTree escapes every text)."""
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    built = format_datetime(datetime.now(UTC))
    for tag, value in (("title", title), ("link", link), ("description", title), ("lastBuildDate", built)):
        ET.SubElement(channel, tag).text = value
    for article in items:
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = article.title
        ET.SubElement(item, "link").text = article.url or ""
        ET.SubElement(item, "guid", isPermaLink="false").text = f"newswire:article:{article.id}"
        ET.SubElement(item, "pubDate").text = format_datetime(article.published_at)
        ET.SubElement(item, "description").text = article.summary
        for label in article.labels:
            ET.SubElement(item, "category").text = label.label
        ET.SubElement(item, "source", url=article.url or "").text = article.source
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(rss, encoding="unicode")


def atom_xml(items: list[Article], title: str, self_url: str) -> str:
    """Atom (RFC 4287) of the articles."""
    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)
    feed = ET.Element(f"{{{ns}}}feed")
    ET.SubElement(feed, f"{{{ns}}}title").text = title
    ET.SubElement(feed, f"{{{ns}}}id").text = self_url
    ET.SubElement(feed, f"{{{ns}}}link", rel="self", href=self_url)
    newest = items[0].published_at if items else datetime.now(UTC)
    ET.SubElement(feed, f"{{{ns}}}updated").text = newest.isoformat()
    ET.SubElement(ET.SubElement(feed, f"{{{ns}}}author"), f"{{{ns}}}name").text = "newswire"
    for article in items:
        entry = ET.SubElement(feed, f"{{{ns}}}entry")
        ET.SubElement(entry, f"{{{ns}}}title").text = article.title
        ET.SubElement(entry, f"{{{ns}}}id").text = f"tag:newswire,2026:article:{article.id}"
        if article.url:
            ET.SubElement(entry, f"{{{ns}}}link", href=article.url)
        ET.SubElement(entry, f"{{{ns}}}updated").text = article.updated_at.isoformat()
        ET.SubElement(entry, f"{{{ns}}}published").text = article.published_at.isoformat()
        ET.SubElement(entry, f"{{{ns}}}summary").text = article.summary
        ET.SubElement(ET.SubElement(entry, f"{{{ns}}}author"), f"{{{ns}}}name").text = article.source
        for label in article.labels:
            ET.SubElement(entry, f"{{{ns}}}category", term=label.label)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")
