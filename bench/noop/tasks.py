"""Three no-op tasks chained over three queues with newswire's delivery settings: the bus's ceiling."""

from __future__ import annotations

import os

import redis
from kombu import Queue

from shared.celery_app import create_app
from shared.settings import Settings

app = create_app(Settings(redis_url=os.environ["BENCH_REDIS_URL"]), name="bench-noop")
app.conf.task_queues = [Queue(name) for name in ("fetch", "parse", "store")]
app.conf.task_routes = {
    "noop.a": {"queue": "fetch"},
    "noop.b": {"queue": "parse"},
    "noop.c": {"queue": "store"},
}
counter = redis.Redis.from_url(os.environ["BENCH_COUNTER_URL"])


@app.task(name="noop.a")
def a(payload: dict) -> None:
    app.send_task("noop.b", args=[payload])


@app.task(name="noop.b")
def b(payload: dict) -> None:
    app.send_task("noop.c", args=[payload])


@app.task(name="noop.c")
def c(payload: dict) -> None:
    counter.incr("bench:done")
