"""`newswire feeds …`: list, add (with discovery), change, remove, import and export OPML."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta

import click

from services.fetcher import registry
from services.fetcher.conditional_get import FetchError
from services.fetcher.discovery import NoFeedFound, find_feed
from services.fetcher.models import Feed
from services.fetcher.opml import OPMLError, parse_opml, render_opml
from shared.settings import get_settings

FULLTEXT = click.Choice(registry.FULLTEXT_MODES)


def _session():  # type: ignore[no-untyped-def]
    settings = get_settings()
    registry.ensure_schema(settings)
    return registry.session_factory(settings).begin()


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group()
def feeds() -> None:
    """List, add, change, remove, import and export feeds."""


def _when(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def feed_row(feed: Feed, recent: dict[int, int], broken_after: int) -> dict:
    """One feed as `feeds list --format json` and the API's /feeds show it."""
    return {
        "id": feed.id,
        "name": feed.name,
        "url": feed.url,
        "status": feed.status(broken_after),
        "verified": feed.verified,
        "interval": registry.format_interval(feed.interval_seconds),
        "fulltext": feed.fulltext,
        "last_status": feed.last_status,
        "last_success": _when(feed.last_success_at),
        "last_polled": _when(feed.last_polled_at),
        "next_poll": _when(feed.next_poll_at) if feed.enabled else None,
        "consecutive_errors": feed.error_count,
        "last_error": feed.last_error,
        "disabled_reason": feed.disabled_reason,
        "warning": feed.last_warning,
        "entries_7d": recent.get(feed.id, 0),
    }


@feeds.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def feeds_list(fmt: str) -> None:
    """Every feed: status (ok / backing off / broken / disabled / gone), last success, errors, next poll."""
    settings = get_settings()
    with _session() as session:
        recent = registry.entries_since(session, datetime.now(UTC) - timedelta(days=7))
        rows = [feed_row(f, recent, settings.broken_after) for f in registry.list_feeds(session)]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    click.echo(f"{'id':>3}  {'status':<11}  {'every':>6}  {'7d':>4}  {'errs':>4}  {'last success':<16}  "
               f"{'next poll':<16}  name / url")  # fmt: skip
    for row in rows:
        short = lambda v: (v or "-")[:16].replace("T", " ")  # noqa: E731
        success, due = short(row["last_success"]), short(row["next_poll"])
        click.echo(
            f"{row['id']:>3}  {row['status']:<11}  {row['interval']:>6}  {row['entries_7d']:>4}  "
            f"{row['consecutive_errors']:>4}  {success:<16}  {due:<16}  "
            f"{row['name']}  {row['url']}{'' if row['verified'] else '  (unverified URL)'}"
        )
        for label, key in (("error", "last_error"), ("disabled", "disabled_reason"), ("warning", "warning")):
            if row[key]:
                click.echo(f"{'':>5}{label}: {row[key]}")


@feeds.command("add")
@click.argument("url")
@click.option("--name", help="Outlet name (default: the feed's title, else the host).")
@click.option(
    "--interval", default=None, help="Poll interval, e.g. 10m, 1h (default NEWSWIRE_DEFAULT_POLL_INTERVAL)."
)
@click.option(
    "--fulltext",
    type=FULLTEXT,
    default="auto",
    show_default=True,
    help="Fetch article pages: auto (when the feed text is short), page (always), summary (never).",
)
@click.option("--no-check", is_flag=True, help="Add the URL as given, without fetching it.")
def feeds_add(url: str, name: str | None, interval: str | None, fulltext: str, no_check: bool) -> None:
    """Register a feed; a site's page URL works too (its announced feed is found)."""
    settings = get_settings()
    try:
        seconds = registry.parse_interval(interval or settings.default_poll_interval)
        registry.validate_feed_url(url)
        title = None
        if not no_check:
            try:
                found, title = find_feed(url, settings)
            except FetchError as exc:
                click.echo(f"warning: could not check {url} now ({exc}); added as given", err=True)
                found = url
            if found != url:
                click.echo(f"found the feed {found} for {url}")
            url = found
        with _session() as session:
            feed = registry.add_feed(session, url, name or title or None, seconds, fulltext)
            click.echo(
                f"added feed {feed.id}: {feed.name} {feed.url} every {registry.format_interval(seconds)}"
            )
    except (registry.RegistryError, NoFeedFound) as exc:
        raise _fail(exc) from exc


@feeds.command("set")
@click.argument("ref")
@click.option("--name")
@click.option("--interval")
@click.option("--fulltext", type=FULLTEXT)
def feeds_set(ref: str, name: str | None, interval: str | None, fulltext: str | None) -> None:
    """Change a feed's name, interval or full-text mode."""
    try:
        with _session() as session:
            feed = registry.find_feed(session, ref)
            if name:
                feed.name = name
            if interval:
                feed.interval_seconds = registry.parse_interval(interval)
            if fulltext:
                feed.fulltext = fulltext
            every = registry.format_interval(feed.interval_seconds)
            click.echo(f"feed {feed.id}: {feed.name} every {every}, full text {feed.fulltext}")
    except registry.RegistryError as exc:
        raise _fail(exc) from exc


def _change(ref: str, action: str) -> None:
    try:
        with _session() as session:
            feed = registry.find_feed(session, ref)
            if action == "remove":
                session.delete(feed)
            else:
                feed.enabled = action == "enable"
                if feed.enabled:  # a person brought it back: a clean slate, polled at once
                    feed.disabled_reason, feed.error_count, feed.next_poll_at = None, 0, None
            click.echo(f"{action}d feed {feed.id}: {feed.name} {feed.url}")
    except registry.RegistryError as exc:
        raise _fail(exc) from exc


@feeds.command("remove")
@click.argument("ref")
def feeds_remove(ref: str) -> None:
    """Remove a feed (by id or URL); stored articles stay."""
    _change(ref, "remove")


@feeds.command("enable")
@click.argument("ref")
def feeds_enable(ref: str) -> None:
    """Poll this feed again (also after a 410 Gone)."""
    _change(ref, "enable")


@feeds.command("disable")
@click.argument("ref")
def feeds_disable(ref: str) -> None:
    """Stop polling this feed (it stays in the registry)."""
    _change(ref, "disable")


@feeds.command("import")
@click.argument("file", type=click.File("rb"))
def feeds_import(file) -> None:  # type: ignore[no-untyped-def]
    """Add every feed of an OPML file (- for stdin); feeds already registered are skipped."""
    try:
        outlines = parse_opml(file.read())
    except OPMLError as exc:
        raise _fail(exc) from exc
    interval = registry.parse_interval(get_settings().default_poll_interval)
    added = skipped = 0
    with _session() as session:
        for outline in outlines:
            try:
                feed = registry.add_feed(session, outline.url, outline.name, interval)
                feed.enabled = outline.enabled
                added += 1
            except registry.RegistryError as exc:
                skipped += 1
                click.echo(f"skipped {outline.url}: {exc}", err=True)
    click.echo(f"imported {added} feeds, skipped {skipped}")


@feeds.command("export")
@click.argument("file", type=click.File("wb"), default="-")
def feeds_export(file) -> None:  # type: ignore[no-untyped-def]
    """Write every feed as OPML 2.0 (to stdout by default)."""
    with _session() as session:
        rows = [(f.name, f.url, f.enabled) for f in registry.list_feeds(session)]
    file.write(render_opml(rows))
    if file is not sys.stdout.buffer:
        click.echo(f"exported {len(rows)} feeds", err=True)
