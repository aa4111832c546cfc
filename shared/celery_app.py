"""The Celery app factory: queues, routes and the delivery settings that make the bus at-least-once."""

from __future__ import annotations

import logging

from celery import Celery, Task
from celery.signals import setup_logging
from kombu import Queue
from pydantic import ValidationError

from shared.logging import configure_logging, log_event
from shared.messages import EntryFailed
from shared.settings import Settings, get_settings

QUEUES = ("fetch", "parse", "store")
ROUTES = {
    "fetcher.*": {"queue": "fetch"},
    "parser.*": {"queue": "parse"},
    "store.*": {"queue": "store"},
}


def broker_url(settings: Settings) -> str:
    """The broker URL; the embedded Redis exports its own as NEWSWIRE_REDIS_URL to children."""
    if not settings.redis_url:
        raise RuntimeError(
            "NEWSWIRE_REDIS_URL is not set: start services through `newswire run` "
            "(it starts an embedded Redis) or point NEWSWIRE_REDIS_URL at a Redis server"
        )
    return settings.redis_url


class PipelineTask(Task):
    """Base task: when a parse or store task gives up on an entry, the fetcher hears of it."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:  # type: ignore[no-untyped-def]
        message = args[0] if args and isinstance(args[0], dict) else {}
        stage = self.name.split(".", 1)[0]
        log_event(
            logging.getLogger(f"newswire.{stage}"),
            "task.gave_up",
            logging.ERROR,
            task=self.name,
            task_id=task_id,
            feed_id=message.get("feed_id"),
            entry_key=message.get("entry_key"),
            reason=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
        )
        if stage not in ("parser", "store") or not {"feed_id", "entry_key", "content_hash"} <= set(message):
            return
        try:
            failed = EntryFailed(
                feed_id=message["feed_id"],
                entry_key=message["entry_key"],
                content_hash=message["content_hash"],
                stage="parse" if stage == "parser" else "store",
                reason=f"{type(exc).__name__}: {exc}"[:500],
                run_id=message.get("run_id"),
            )
        except ValidationError:  # the message was too broken to name its entry: logged above
            return
        self.app.send_task("fetcher.entry_failed", args=[failed.dump()])


def create_app(settings: Settings | None = None, name: str = "newswire") -> Celery:
    """Build the Celery app every service, the CLI and the tests share."""
    settings = settings or get_settings()
    app = Celery(name, broker=broker_url(settings), set_as_current=True, task_cls=PipelineTask)
    transport_options = {
        "visibility_timeout": settings.visibility_timeout,
        # kombu >= 5.7: sweep for expired unacked messages every ~30 s, not ~100 s.
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 3,
        "socket_keepalive": True,
        "health_check_interval": 25,
        "retry_on_timeout": True,
    }
    app.conf.update(
        broker_connection_retry_on_startup=True,
        broker_transport_options=transport_options,
        visibility_timeout=settings.visibility_timeout,
        task_ignore_result=True,
        result_backend=None,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        # Ack after the task returns, and requeue when a pool child dies: either alone
        # loses the running task on a kill (celery#1628, docs "task_reject_on_worker_lost").
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # Redis's visibility clock runs from delivery: prefetched messages would age and re-run.
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_soft_shutdown_timeout=20.0,
        worker_enable_soft_shutdown_on_idle=True,
        worker_max_tasks_per_child=1000,
        # Events cost ~25% of pipeline throughput (bench/pipeline.py); Flower switches them on
        # itself while it watches (its --enable_events, default on, sends enable_events).
        worker_send_task_events=False,
        task_send_sent_event=False,
        worker_hijack_root_logger=False,
        task_time_limit=300,
        task_soft_time_limit=240,
        task_queues=[Queue(name, routing_key=name) for name in QUEUES],
        task_default_queue="fetch",
        task_create_missing_queues=False,
        task_routes=ROUTES,
        beat_schedule={
            "poll-due-feeds": {
                "task": "fetcher.poll_due",
                "schedule": settings.beat_interval_seconds,
                "options": {"expires": settings.beat_interval_seconds},
            }
        },
        timezone="UTC",
        enable_utc=True,
    )
    return app


@setup_logging.connect
def _use_our_logging(**_: object) -> None:
    configure_logging(get_settings().log_level)


def retry_options(settings: Settings | None = None) -> dict[str, object]:
    """Retry policy for transient errors: exponential backoff with jitter, capped."""
    settings = settings or get_settings()
    return {
        "retry_backoff": 2,
        "retry_backoff_max": settings.retry_backoff_max,
        "retry_jitter": True,
        "max_retries": settings.max_retries,
    }
