"""Three tasks chained over the three queues with newswire's delivery settings and no work of their own:
the bus's ceiling. The first hop may carry an article page (plain, zlib+base64, or a Redis key), as the
fetcher's hop to the parser does; the parser's side decodes it, then sends a small message on."""

from __future__ import annotations

import base64
import os
import zlib
from pathlib import Path

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
PAGE = Path(os.environ.get("BENCH_PAGE", os.devnull)).read_text(errors="replace")


@app.task(name="noop.a")
def a(payload: dict) -> None:
    """The fetcher's side: it holds the page and encodes it for the hop, as chosen by `mode`."""
    mode, i = payload.pop("mode", "none"), payload["i"]
    if mode == "plain":
        payload["page"] = PAGE
    elif mode == "zlib":
        payload["page_z"] = base64.b64encode(zlib.compress(PAGE.encode(), 6)).decode()
    elif mode == "ref":
        counter.set(f"bench:page:{i}", PAGE, ex=3600)
        payload["page_ref"] = f"bench:page:{i}"
    app.send_task("noop.b", args=[payload])


@app.task(name="noop.b")
def b(payload: dict) -> None:
    if "page_z" in payload:
        page = zlib.decompress(base64.b64decode(payload.pop("page_z"))).decode()
    elif "page_ref" in payload:
        page = (counter.getdel(payload.pop("page_ref")) or b"").decode()
    else:
        page = payload.pop("page", "")
    app.send_task("noop.c", args=[{"i": payload["i"], "chars": len(page)}])


@app.task(name="noop.c")
def c(payload: dict) -> None:
    counter.incr("bench:done")
