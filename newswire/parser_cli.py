"""`newswire extract` and `newswire classify`: the parser's two pure stages on files and pipes, so they can be
checked, benchmarked and used in batch without the pipeline."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any

import click

from services.parser.classify import classify as classify_story
from services.parser.extract import extract as extract_page
from services.parser.facts import find_facts
from services.parser.language import detect_language
from services.parser.taxonomy import TaxonomyError, default_taxonomy
from shared.settings import get_settings

MAX_HTML_BYTES = 20 * 1024 * 1024


@click.command()
@click.argument("source", type=click.File("rb"), default="-")
@click.option("--url", help="The page's address (resolves relative links, dates in the URL).")
def extract(source: IO[bytes], url: str | None) -> None:
    """Print the story in an article page (FILE, or - for stdin) as one JSON object."""
    html = source.read(MAX_HTML_BYTES + 1)
    if len(html) > MAX_HTML_BYTES:
        raise click.ClickException(f"{source.name}: larger than {MAX_HTML_BYTES} bytes")
    if not html.strip():
        raise click.ClickException(f"{source.name}: empty input, expected an HTML page")
    result = extract_page(html, url)
    if not result.text:
        click.echo(f"warning: {source.name}: no article text found", err=True)
    click.echo(json.dumps(result.as_json(), ensure_ascii=False))


@click.command()
@click.option("--facts", is_flag=True, help="Also print countries, people, organisations and events.")
@click.option(
    "--taxonomy", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Taxonomy file."
)
def classify(facts: bool, taxonomy: Path | None) -> None:
    """Label JSON lines {"id","title","text"} from stdin; one {"id","labels","scores","evidence"} per line.

    A line that is not such an object is reported on stderr with its line number and skipped; the exit
    status is then 1. An optional "language" field skips language detection."""
    settings = get_settings()
    try:
        chosen = default_taxonomy(str(taxonomy or settings.taxonomy_file or "") or None)
    except TaxonomyError as exc:
        raise click.ClickException(str(exc)) from exc
    failed = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            story = _story(line)
        except ValueError as exc:
            failed += 1
            click.echo(f"line {number}: {exc}", err=True)
            continue
        language = story.get("language") or detect_language(story["text"] or story["title"]) or "en"
        verdict = classify_story(
            story["title"], story["text"], language, chosen, thresholds=settings.classify_thresholds
        )
        out: dict[str, Any] = {
            "id": story["id"],
            "labels": verdict.labels,
            "scores": verdict.scores,
            "evidence": verdict.evidence,
        }
        if facts:
            out.update(find_facts(story["title"], story["text"], language, verdict.labels).as_json())
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    if failed:
        raise click.ClickException(
            f"{failed} line(s) could not be read (see above); the others were labelled"
        )


def _story(line: str) -> dict[str, Any]:
    try:
        story = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if not isinstance(story, dict):
        raise ValueError("expected a JSON object with id, title and text")
    if "id" not in story:
        raise ValueError('missing "id"')
    for key in ("title", "text"):
        if not isinstance(story.get(key, ""), str):
            raise ValueError(f'"{key}" must be a string')
        story[key] = (story.get(key) or "")[:1_000_000]
    return story
