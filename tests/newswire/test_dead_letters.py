"""Dead letters end to end: a message that fails for good is kept, listed, counted and replayed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from newswire.supervisor import Supervisor
from services.fetcher import registry
from services.store import repository
from shared import dead_letters, metrics
from shared.celery_app import create_app
from shared.messages import RawEntry
from shared.queues import QUEUES
from shared.settings import Settings

pytestmark = pytest.mark.integration
NEWSWIRE = str(Path(sys.executable).with_name("newswire"))


@pytest.fixture
def system(settings: Settings, redis_url: str, broker: redis.Redis) -> Iterator[Supervisor]:
    supervisor = Supervisor(
        settings.model_copy(update={"redis_url": redis_url}), once=True, quiet_children=True
    )
    supervisor.start()
    try:
        yield supervisor
    finally:
        supervisor.stop()
        repository.engine_for.cache_clear()
        registry.engine_for.cache_clear()


def _cli(system: Supervisor, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update(NEWSWIRE_REDIS_URL=system.redis_url, NEWSWIRE_DATA_DIR=str(system.settings.data_dir))
    return subprocess.run([NEWSWIRE, *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def _until(check, timeout: float = 30):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def _stored(system: Supervisor) -> int:
    with repository.reader(system.settings)() as session:  # a fresh snapshot each time
        return repository.count_articles(session)


def _entry(key: str, **fields) -> RawEntry:  # type: ignore[no-untyped-def]
    return RawEntry(feed_id=1, feed_url="u", source="Azernews", entry_key=key, guid=key, content_hash=key,
                    fetched_at="2026-11-27T10:00:00Z", **fields)  # fmt: skip


def test_poison_is_kept_listed_counted_and_does_not_block(system: Supervisor, broker: redis.Redis) -> None:
    app = create_app(system.settings.model_copy(update={"redis_url": system.redis_url}))
    app.send_task("parser.parse_entry", args=[_entry("poison", summary_html="<script>x()</script>").dump()])
    app.send_task("parser.parse_entry", args=[_entry("good", title="Defense ministers meet").dump()])
    _until(lambda: dead_letters.count(broker) == 1)
    _until(lambda: _stored(system) == 1)  # the good one went through
    [letter] = dead_letters.list_letters(broker)
    assert letter.task == "parser.parse_entry" and letter.entry_key == "poison"
    assert letter.error.startswith("PermanentError: entry 'poison' of feed 1 has no title and no text")
    assert "Traceback" in letter.traceback and letter.args[0]["summary_html"] == "<script>x()</script>"
    assert "newswire_dead_letters 1.0" in metrics.render(broker, QUEUES).decode()
    listed = _cli(system, "dead", "list", "--format", "json")
    assert json.loads(listed.stdout)[0]["id"] == letter.id
    table = _cli(system, "dead", "list").stdout
    assert letter.id in table and "parser.parse_entry" in table
    # Replaying the same poison fails again: it comes back as a new letter, nothing is lost.
    assert (
        _cli(system, "dead", "replay", letter.id).stdout.strip()
        == f"replayed {letter.id}: parser.parse_entry"
    )
    _until(lambda: dead_letters.count(broker) == 1 and dead_letters.list_letters(broker)[0].id != letter.id)


def test_replay_after_a_fix_stores_the_article(system: Supervisor, broker: redis.Redis) -> None:
    # As if the parser had crashed on this entry before a fix was deployed.
    fixed = _entry("later", title="Foreign ministers sign a treaty", summary_html="<p>Talks in Baku.</p>")
    letter_id = dead_letters.bury(broker, "parser.parse_entry", [fixed.dump()], "RuntimeError: old bug", "tb",
                                  feed_id=1, entry_key="later")  # fmt: skip
    result = _cli(system, "dead", "replay", "--all")
    assert result.stdout.strip() == f"replayed {letter_id}: parser.parse_entry"
    _until(lambda: _stored(system) == 1)
    assert dead_letters.count(broker) == 0
    assert (
        _cli(system, "dead", "replay", "nope")
        .stderr.strip()
        .endswith("no dead letter 'nope' (see `newswire dead list`)")
    )


def test_status_shows_one_screen(system: Supervisor, broker: redis.Redis) -> None:
    def all_workers_answer():  # type: ignore[no-untyped-def]
        report = json.loads(_cli(system, "status", "--format", "json").stdout)
        return report if {w.split("@")[0] for w in report["workers"]} == {"fetch", "parse", "store"} else None

    report = _until(all_workers_answer, timeout=40)  # workers answer once they have booted
    assert set(report["queues"]) == set(QUEUES)
    assert report["dead_letters"] == 0 and report["articles_24h"] == {"all": 0}
    text = _cli(system, "status").stdout
    assert text.startswith("queues:       fetch 0, parse 0, store 0") and "dead letters: 0" in text
