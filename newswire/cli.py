"""The `newswire` command: run the system, manage feeds, read stored articles."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, datetime

import click
from dateutil import parser as dateutil_parser

from services.fetcher import registry
from services.store import repository
from shared.logging import configure_logging
from shared.settings import get_settings

LABELS = ("defense", "diplomacy")


@click.group()
def main() -> None:
    """newswire: regional news feeds, every story once, labelled defense and/or diplomacy."""


@main.command()
@click.option(
    "--once", is_flag=True, help="Poll every enabled feed once, wait until stored, summarise, exit."
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--verbose", is_flag=True, help="With --once: worker logs on stderr instead of DATA_DIR/logs/.")
def run(once: bool, fmt: str, verbose: bool) -> None:
    """Start Redis (embedded unless NEWSWIRE_REDIS_URL), the workers and beat; Ctrl-C stops all."""
    from newswire.once import render_table
    from newswire.supervisor import ChildDied, Supervisor

    settings = get_settings()
    configure_logging(settings.log_level)
    supervisor = Supervisor(settings, once=once, quiet_children=once and not verbose)
    supervisor.install_signal_handlers()
    code = 0
    try:
        supervisor.start()
        if not once:
            supervisor.run_forever()
            return
        summary = supervisor.run_once()
        click.echo(json.dumps(summary.as_dict(), indent=2) if fmt == "json" else render_table(summary))
        if not summary.feeds:
            click.echo("no enabled feeds: add one with `newswire feeds add URL`", err=True)
            code = 1
        elif summary.polled_ok == 0:
            code = 1  # not a single feed could be polled
    except KeyboardInterrupt:
        code = 130
    except ChildDied as exc:
        click.echo(f"error: {exc}", err=True)
        code = 1
    except RuntimeError as exc:
        click.echo(f"error: {exc}", err=True)
        code = 1
    finally:
        supervisor.stop()
    sys.exit(code)


@main.command()
def migrate() -> None:
    """Create or upgrade both databases (compose runs this once before the services)."""
    settings = get_settings()
    registry.ensure_schema(settings)
    repository.ensure_schema(settings)
    click.echo("databases are at the newest schema")


@main.group()
def feeds() -> None:
    """List, add, remove, enable and disable feeds."""


def _registry_session():  # type: ignore[no-untyped-def]
    settings = get_settings()
    registry.ensure_schema(settings)
    return registry.session_factory(settings).begin()


@feeds.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def feeds_list(fmt: str) -> None:
    """Every feed with its state."""
    with _registry_session() as session:
        rows = [
            {
                "id": f.id,
                "name": f.name,
                "url": f.url,
                "interval": registry.format_interval(f.interval_seconds),
                "enabled": f.enabled,
                "verified": f.verified,
                "last_status": f.last_status,
                "last_polled_at": f.last_polled_at.isoformat() if f.last_polled_at else None,
                "last_error": f.last_error,
            }
            for f in registry.list_feeds(session)
        ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        state = "on " if row["enabled"] else "off"
        note = "" if row["verified"] else "  (unverified URL)"
        status = str(row["last_status"] or "-")
        head = f"{row['id']:>3}  {state}  {row['interval']:>6}  {status:>4}"
        click.echo(f"{head}  {row['name']:<28} {row['url']}{note}")
        if row["last_error"]:
            click.echo(f"{'':>19}last error: {row['last_error']}")


@feeds.command("add")
@click.argument("url")
@click.option("--name", help="Outlet name (default: the host).")
@click.option(
    "--interval", default=None, help="Poll interval, e.g. 10m, 1h (default NEWSWIRE_DEFAULT_POLL_INTERVAL)."
)
def feeds_add(url: str, name: str | None, interval: str | None) -> None:
    """Register a feed."""
    try:
        seconds = registry.parse_interval(interval or get_settings().default_poll_interval)
        with _registry_session() as session:
            feed = registry.add_feed(session, url, name, seconds)
            click.echo(
                f"added feed {feed.id}: {feed.name} {feed.url} every {registry.format_interval(seconds)}"
            )
    except registry.RegistryError as exc:
        raise click.ClickException(str(exc)) from exc


def _change(ref: str, action: str) -> None:
    try:
        with _registry_session() as session:
            feed = registry.find_feed(session, ref)
            if action == "remove":
                session.delete(feed)
            else:
                feed.enabled = action == "enable"
            click.echo(f"{action}d feed {feed.id}: {feed.name} {feed.url}")
    except registry.RegistryError as exc:
        raise click.ClickException(str(exc)) from exc


@feeds.command("remove")
@click.argument("ref")
def feeds_remove(ref: str) -> None:
    """Remove a feed (by id or URL); stored articles stay."""
    _change(ref, "remove")


@feeds.command("enable")
@click.argument("ref")
def feeds_enable(ref: str) -> None:
    """Poll this feed again."""
    _change(ref, "enable")


@feeds.command("disable")
@click.argument("ref")
def feeds_disable(ref: str) -> None:
    """Stop polling this feed (it stays in the registry)."""
    _change(ref, "disable")


def _parse_since(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = dateutil_parser.isoparse(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-01 or 2026-11-01T08:00Z") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@main.command()
@click.option("--label", type=click.Choice(LABELS), help="Only stories with this label.")
@click.option("--source", help="Only this outlet (name as in `newswire feeds list`).")
@click.option("--since", callback=_parse_since, help="Published on or after this date (UTC unless given).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=20, show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True
)
def articles(label: str | None, source: str | None, since: datetime | None, limit: int, fmt: str) -> None:
    """Stored articles, newest first."""
    settings = get_settings()
    repository.ensure_schema(settings)
    with repository.session_factory(settings)() as session:
        rows = [
            {
                "id": a.id,
                "published_at": a.published_at.isoformat(),
                "date_flag": a.date_flag,
                "source": a.source,
                "labels": a.label_names,
                "scores": a.scores,
                "title": a.title,
                "url": a.url,
                "summary": a.summary,
                "evidence": a.evidence,
            }
            for a in repository.list_articles(session, label=label, source=source, since=since, limit=limit)
        ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        buffer = io.StringIO()
        fields = ["id", "published_at", "source", "labels", "title", "url", "summary"]
        writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "labels": ";".join(row["labels"])})
        click.echo(buffer.getvalue(), nl=False)
    else:
        for row in rows:
            when = row["published_at"][:16].replace("T", " ")
            labels = ",".join(row["labels"]) or "-"
            click.echo(f"{when}  {row['source'][:18]:<18}  {labels:<18}  {row['title']}")
        if not rows:
            click.echo("no stored articles match", err=True)
