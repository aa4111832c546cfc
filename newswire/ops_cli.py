"""Operating newswire: `status`, `dead list|replay`, `api`, and the container `health` check."""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import click

from services.fetcher import registry
from services.store import repository
from shared import dead_letters
from shared.liveness import check
from shared.queues import QUEUES
from shared.redis_client import redis_client
from shared.settings import get_settings


def _client():  # type: ignore[no-untyped-def]
    url = get_settings().redis_url
    if not url:
        raise click.ClickException("NEWSWIRE_REDIS_URL is not set: point it at the Redis newswire runs on")
    return redis_client(url)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status(fmt: str) -> None:
    """One screen: queues, workers, feeds by health, last poll, articles in 24 h per label, dead letters."""
    from shared.celery_app import create_app

    settings = get_settings()
    client = _client()
    app = create_app(settings)
    workers = sorted(name for reply in (app.control.ping(timeout=1.0) or []) for name in reply)
    registry.ensure_schema(settings)
    with registry.session_factory(settings)() as session:
        feeds = registry.list_feeds(session)
    health = Counter(feed.status(settings.broken_after) for feed in feeds)
    last_poll = max((f.last_polled_at for f in feeds if f.last_polled_at), default=None)
    repository.ensure_schema(settings)
    with repository.reader(settings)() as session:
        recent = repository.count_by_label_since(session, datetime.now(UTC) - timedelta(hours=24))
    report = {
        "queues": {queue: client.llen(queue) for queue in QUEUES},
        "workers": workers,
        "feeds": dict(health),
        "last_poll": last_poll.isoformat(timespec="seconds") if last_poll else None,
        "articles_24h": recent,
        "dead_letters": dead_letters.count(client),
    }
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
        return
    click.echo("queues:       " + ", ".join(f"{q} {n}" for q, n in report["queues"].items()))
    click.echo("workers:      " + (", ".join(workers) or "none answered"))
    click.echo("feeds:        " + (", ".join(f"{s} {n}" for s, n in sorted(health.items())) or "none"))
    click.echo(f"last poll:    {report['last_poll'] or 'never'}")
    click.echo("articles 24h: " + ", ".join(f"{label} {n}" for label, n in sorted(recent.items())))
    click.echo(
        f"dead letters: {report['dead_letters']}"
        + ("  (newswire dead list)" if report["dead_letters"] else "")
    )


@click.group()
def dead() -> None:
    """Messages that failed for good: list them, replay them."""


@dead.command("list")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def dead_list(limit: int, fmt: str) -> None:
    """The newest dead letters: task, feed, entry, error."""
    letters = dead_letters.list_letters(_client(), limit)
    if fmt == "json":
        click.echo(json.dumps([letter.__dict__ for letter in letters], indent=2, default=str))
        return
    for letter in letters:
        when = datetime.fromtimestamp(letter.failed_at, UTC).strftime("%Y-%m-%d %H:%M")
        click.echo(f"{letter.id}  {when}  {letter.task:<20}  feed {letter.feed_id or '-'}  {letter.error}")
    if not letters:
        click.echo("no dead letters")


@dead.command("replay")
@click.argument("ids", nargs=-1)
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter.")
def dead_replay(ids: tuple[str, ...], replay_all: bool) -> None:
    """Send dead letters again, as they were; one that fails again comes back with a new id."""
    from shared.celery_app import create_app

    client = _client()
    if replay_all:
        ids = tuple(letter.id for letter in dead_letters.list_letters(client, 1_000_000))
    if not ids:
        raise click.UsageError("give dead-letter ids or --all")
    app = create_app(get_settings())
    for letter_id in ids:
        try:
            letter = dead_letters.replay(client, letter_id, app.send_task)
        except KeyError as exc:
            raise click.ClickException(str(exc.args[0])) from exc
        click.echo(f"replayed {letter.id}: {letter.task}")


@click.command()
def api() -> None:
    """Serve the HTTP API and the web page on NEWSWIRE_API_HOST:NEWSWIRE_API_PORT (docs at /docs).

    The bind comes from settings only, so the API knows whether it is on loopback (reads open) or not
    (reads need NEWSWIRE_API_KEY)."""
    import uvicorn

    from services.fetcher import registry as feed_registry
    from services.store import repository

    settings = get_settings()
    repository.ensure_schema(settings)
    feed_registry.ensure_schema(settings)
    click.echo(f"newswire API on http://{settings.api_host}:{settings.api_port}/ (docs at /docs)")
    uvicorn.run("newswire.api.app:app", host=settings.api_host, port=settings.api_port, log_level="warning")


@click.command()
@click.option(
    "--max-age", default=60.0, show_default=True, help="Seconds since the worker last proved it consumes."
)
def health(max_age: float) -> None:
    """Container healthcheck of a worker: exit 0 if NEWSWIRE_LIVENESS_FILE is fresh, 1 otherwise."""
    healthy, message = check(get_settings().liveness_file, max_age)
    click.echo(message, err=not healthy)
    sys.exit(0 if healthy else 1)
