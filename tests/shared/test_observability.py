"""Logs, metrics rendering and the liveness check: pure pieces, checked on their own."""

import json
import logging
import os
import time
from pathlib import Path

import redis

from shared import dead_letters, metrics
from shared.liveness import check
from shared.logging import JsonFormatter, LogfmtFormatter, log_event


def _record(event: str, **fields) -> logging.LogRecord:  # type: ignore[no-untyped-def]
    captured = []

    class Grab(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record)

    logger = logging.getLogger("newswire.test")
    handler = Grab()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        log_event(logger, event, **fields)
    finally:
        logger.removeHandler(handler)
    return captured[0]


def test_logfmt_line_carries_ids_and_quotes_spaces() -> None:
    line = LogfmtFormatter().format(_record("poll.done", feed_id=3, url="http://x/a b", name="Azernews"))
    assert "level=info logger=newswire.test event=poll.done feed_id=3" in line
    assert 'url="http://x/a b"' in line and "name=Azernews" in line


def test_json_line_is_one_object() -> None:
    line = JsonFormatter().format(_record("article.saved", feed_id=1, article_id=7, labels="defense"))
    data = json.loads(line)
    assert (data["event"], data["feed_id"], data["article_id"], data["labels"]) == (
        "article.saved",
        1,
        7,
        "defense",
    )
    assert "\n" not in line


def test_metrics_render_counters_histograms_queues_and_dead_letters(broker: redis.Redis) -> None:
    metrics.inc(broker, "newswire_polls_total", outcome="ok")
    metrics.inc(broker, "newswire_polls_total", outcome="ok")
    metrics.inc(broker, "newswire_entries_total", 4, decision="new")
    metrics.observe_task(broker, "parser.parse_entry", 0.03, "success")
    metrics.observe_task(broker, "parser.parse_entry", 2.0, "success")
    broker.lpush("parse", "x", "y")
    dead_letters.bury(broker, "store.save_article", [{}], "Boom", "tb")
    text = metrics.render(broker, ("fetch", "parse", "store")).decode()
    assert 'newswire_polls_total{outcome="ok"} 2.0' in text
    assert 'newswire_entries_total{decision="new"} 4.0' in text
    assert 'newswire_task_seconds_bucket{le="0.05",task="parser.parse_entry"} 1.0' in text
    assert 'newswire_task_seconds_bucket{le="+Inf",task="parser.parse_entry"} 2.0' in text
    assert 'newswire_task_seconds_count{task="parser.parse_entry"} 2.0' in text
    assert 'newswire_tasks_total{state="success",task="parser.parse_entry"} 2.0' in text
    assert 'newswire_queue_length{queue="parse"} 2.0' in text
    assert "newswire_dead_letters 1.0" in text


def test_liveness(tmp_path: Path) -> None:
    alive = tmp_path / "alive"
    assert check(alive, 60) == (
        False,
        f"unhealthy: {alive} does not exist (the worker never started consuming)",
    )
    alive.touch()
    assert check(alive, 60)[0]
    old = time.time() - 120
    os.utime(alive, (old, old))
    healthy, message = check(alive, 60)
    assert not healthy and message.startswith("unhealthy: the consumer loop last ran 12")
    assert check(None, 60) == (False, "NEWSWIRE_LIVENESS_FILE is not set")
