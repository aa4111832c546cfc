"""The `newswire` command: run the system, manage feeds, read stored articles."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, datetime

import click
from dateutil import parser as dateutil_parser

from newswire.feeds_cli import feeds
from newswire.ops_cli import api, dead, health, status
from newswire.parser_cli import classify, extract
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
    configure_logging(settings.log_level, settings.log_format)
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
    with repository.reader(settings)() as session:
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
                "language": a.language,
                "authors": a.authors,
                "canonical_url": a.canonical_url,
                "facts": a.facts,
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


main.add_command(feeds)
main.add_command(status)
main.add_command(dead)
main.add_command(api)
main.add_command(health)
main.add_command(extract)
main.add_command(classify)
