"""Prometheus metrics kept in Redis, so every worker process (prefork children, scaled replicas) adds to
the same numbers and one endpoint (the API's /metrics) serves them all: no per-process ports to scrape."""

from __future__ import annotations

from collections.abc import Iterator

import redis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from shared import dead_letters

COUNTERS = "newswire:metrics:counters"
HISTOGRAM = "newswire:metrics:task_seconds:"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, float("inf"))
HELP = {
    "newswire_polls_total": "Feed polls by outcome (ok, not_modified, error, gone).",
    "newswire_feed_errors_total": "Failed polls per feed.",
    "newswire_entries_total": "Feed entries seen by a poll, by decision (new, updated, unchanged).",
    "newswire_articles_saved_total": "Store upserts by outcome (inserted, updated, unchanged, stale).",
    "newswire_articles_labelled_total": "Articles inserted or updated, per label.",
    "newswire_tasks_total": "Tasks finished, per task name and state (success, failure, retry).",
}


def _field(name: str, labels: dict[str, str]) -> str:
    return name + "|" + ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def inc(client: redis.Redis, name: str, amount: float = 1.0, **labels: str) -> None:
    """Add to a counter."""
    if amount:
        client.hincrbyfloat(COUNTERS, _field(name, labels), amount)


def observe_task(client: redis.Redis, task: str, seconds: float, state: str) -> None:
    """One finished task: its duration into the histogram, and a count by state."""
    bucket = next(b for b in BUCKETS if seconds <= b)
    pipe = client.pipeline(transaction=False)
    pipe.hincrbyfloat(HISTOGRAM + task, str(bucket), 1)
    pipe.hincrbyfloat(HISTOGRAM + task, "sum", seconds)
    pipe.hincrbyfloat(COUNTERS, _field("newswire_tasks_total", {"task": task, "state": state}), 1)
    pipe.execute()


class _RedisCollector:
    """Reads the counters, histograms and live gauges at scrape time."""

    def __init__(self, client: redis.Redis, queues: tuple[str, ...]):
        self.client = client
        self.queues = queues

    def collect(self) -> Iterator[object]:
        families: dict[str, CounterMetricFamily] = {}
        for raw_field, value in self.client.hgetall(COUNTERS).items():
            name, _, label_text = raw_field.decode().partition("|")
            labels = dict(pair.split("=", 1) for pair in label_text.split(",") if pair)
            family = families.get(name)
            if family is None:
                family = families[name] = CounterMetricFamily(
                    name.removesuffix("_total"), HELP.get(name, name), labels=sorted(labels)
                )
            family.add_metric([labels[k] for k in sorted(labels)], float(value))
        yield from families.values()
        histogram = HistogramMetricFamily("newswire_task_seconds", "Task run time.", labels=["task"])
        for key in self.client.scan_iter(HISTOGRAM + "*"):
            task = key.decode().removeprefix(HISTOGRAM)
            data = {k.decode(): float(v) for k, v in self.client.hgetall(key).items()}
            cumulative, buckets = 0.0, []
            for bound in BUCKETS:
                cumulative += data.get(str(bound), 0.0)
                buckets.append(("+Inf" if bound == float("inf") else str(bound), cumulative))
            histogram.add_metric([task], buckets, data.get("sum", 0.0))
        yield histogram
        queues = GaugeMetricFamily("newswire_queue_length", "Messages waiting per queue.", labels=["queue"])
        for queue in self.queues:
            queues.add_metric([queue], float(self.client.llen(queue)))
        yield queues
        yield GaugeMetricFamily(
            "newswire_dead_letters", "Messages that failed for good, waiting for a person.",
            value=float(dead_letters.count(self.client)),
        )  # fmt: skip


def render(client: redis.Redis, queues: tuple[str, ...]) -> bytes:
    """The Prometheus text exposition of everything above."""
    registry = CollectorRegistry()
    registry.register(_RedisCollector(client, queues))  # type: ignore[arg-type]
    return generate_latest(registry)
