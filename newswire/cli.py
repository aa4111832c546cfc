"""The `newswire` command: run the system, manage feeds, read stored articles."""

from __future__ import annotations

import json
import sys

import click

from newswire.articles_cli import articles, export, search
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


main.add_command(feeds)
main.add_command(status)
main.add_command(dead)
main.add_command(api)
main.add_command(health)
main.add_command(extract)
main.add_command(classify)
main.add_command(articles)
main.add_command(search)
main.add_command(export)
