"""`newswire articles`, `newswire search` and `newswire export`: the API's filters on the command line."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click
from dateutil import parser as dateutil_parser
from pydantic import ValidationError

from newswire.api.exports import atom_xml, csv_lines, describe, ndjson_lines, row_of, rss_xml
from services.store import repository
from services.store.queries import (
    MARK_END,
    MARK_START,
    ArticleQuery,
    QueryError,
    find_articles,
    iter_export_rows,
)
from shared.settings import get_settings


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = dateutil_parser.isoparse(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-01 or 2026-11-01T08:00Z") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def filters(command: Callable[..., Any]) -> Callable[..., Any]:
    """The /articles filters as options, turned into one validated ArticleQuery argument."""
    options = [
        click.option("--label", help="Only stories with this label (defense, diplomacy)."),
        click.option("--min-score", type=float, help="…with at least this score (0-1)."),
        click.option("--country", multiple=True, help="ISO code (AZ); repeat for several."),
        click.option("--all-countries", is_flag=True, help="Every --country, not any of them."),
        click.option("--person", help="Part of a person's name (Hasanov)."),
        click.option("--organisation", help="Organisation id (NATO, CIS, MoD-AZ)."),
        click.option("--event", help="Event type (agreement_signed, military_exercise …)."),
        click.option("--source", help="Outlet name."),
        click.option("--language", help="ISO 639-1 code (en, ru, az)."),
        click.option("--since", callback=_date, help="Published on or after (UTC unless given)."),
        click.option("--until", callback=_date, help="Published before."),
    ]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in ("label", "min_score", "person", "organisation", "event",
                                                       "source", "language", "since", "until")}  # fmt: skip
        values["country"] = list(kwargs.pop("country"))
        values["country_mode"] = "all" if kwargs.pop("all_countries") else "any"
        extra = {k: kwargs.pop(k) for k in ("q", "limit", "sort") if k in kwargs}
        try:
            query = ArticleQuery(**values, **{k: v for k, v in extra.items() if v is not None})
        except ValidationError as exc:
            messages = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'filters'}: {e['msg']}" for e in exc.errors()
            )
            raise click.UsageError(messages) from exc
        return command(query=query, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def _sessions():  # type: ignore[no-untyped-def]
    settings = get_settings()
    repository.ensure_schema(settings)
    return repository.reader(settings)()


def _print_page(query: ArticleQuery, fmt: str) -> None:
    with _sessions() as session:
        try:
            page = find_articles(session, query)
        except QueryError as exc:
            raise click.UsageError(str(exc)) from exc
        rows = [{**row_of(a), "snippet": page.snippets.get(a.id), "evidence": a.evidence} for a in page.items]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        when = row["published_at"][:16].replace("T", " ")
        labels = ",".join(row["labels"]) or "-"
        countries = ",".join(row["countries"][:4]) or "-"
        click.echo(
            f"{row['id']:>7}  {when}  {row['source'][:16]:<16}  {labels:<18}  {countries:<11}  {row['title']}"
        )
        if row["snippet"]:
            click.echo(" " * 9 + row["snippet"].replace(MARK_START, "[").replace(MARK_END, "]"))
    if not rows:
        click.echo("no stored articles match", err=True)


@click.command()
@filters
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def articles(query: ArticleQuery, fmt: str) -> None:
    """Stored articles, newest first, with the API's filters."""
    _print_page(query, fmt)


@click.command()
@click.argument("q")
@filters
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--sort", type=click.Choice(["relevance", "published"]), default="relevance", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def search(query: ArticleQuery, fmt: str) -> None:
    """Full-text search: words and "phrases" all required, OR between terms, -word excluded."""
    _print_page(query, fmt)


@click.command()
@filters
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "ndjson", "rss", "atom"]), default="csv", show_default=True
)
@click.option("-q", "--query", "q", help="Full-text search, as in `newswire search`.")
@click.option("--limit", type=click.IntRange(1, 500), default=50, help="Items in an RSS/Atom feed.")
def export(query: ArticleQuery, fmt: str) -> None:
    """Every article of a query to stdout: CSV or NDJSON (streamed), or an RSS/Atom feed of the newest."""
    with _sessions() as session:
        try:
            if fmt in ("csv", "ndjson"):
                rows = iter_export_rows(session, query)
                for chunk in (csv_lines if fmt == "csv" else ndjson_lines)(rows):
                    sys.stdout.write(chunk)
                return
            items = find_articles(session, query).items
        except QueryError as exc:
            raise click.UsageError(str(exc)) from exc
    link = get_settings().public_url.rstrip("/") + f"/articles.{fmt}"
    click.echo((rss_xml if fmt == "rss" else atom_xml)(items, describe(query), link))
