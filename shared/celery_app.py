"""The Celery app factory: queues, routes and the delivery settings that make the bus at-least-once."""

from __future__ import annotations

import contextlib
import logging
import random
import time
from pathlib import Path

from celery import Celery, Task, bootsteps
from celery.signals import setup_logging, task_postrun, task_prerun
from kombu import Queue
from kombu.exceptions import OperationalError as KombuOperationalError
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from shared import dead_letters, metrics
from shared.errors import TransientError
from shared.logging import configure_logging, log_event
from shared.messages import EntryFailed
from shared.queues import QUEUES, ROUTES
from shared.redis_client import broker
from shared.settings import Settings, get_settings


def broker_url(settings: Settings) -> str:
    """The broker URL; the embedded Redis exports its own as NEWSWIRE_REDIS_URL to children."""
    if not settings.redis_url:
        raise RuntimeError(
            "NEWSWIRE_REDIS_URL is not set: start services through `newswire run` "
            "(it starts an embedded Redis) or point NEWSWIRE_REDIS_URL at a Redis server"
        )
    return settings.redis_url


class WorkerLostTooOften(Exception):
    """A message whose worker process died on every run (killed, out of memory, crashed)."""


LOST_PREFIX = "newswire:lost:"  # + task id: redelivered runs that started and never finished


class PipelineTask(Task):
    """Base task: when a parse or store task gives up on an entry, the fetcher hears of it."""

    def retry(self, args=None, kwargs=None, exc=None, throw=True, eta=None, countdown=None,  # type: ignore[no-untyped-def]
              max_retries=None, **options):  # fmt: skip
        """Our backoff (see backoff_delay) unless the caller chose a delay: it bounds the total wait below."""
        if countdown is None and eta is None:
            countdown = backoff_delay(self.request.retries)
        return super().retry(args, kwargs, exc, throw, eta, countdown, max_retries, **options)

    def before_start(self, task_id, args, kwargs) -> None:  # type: ignore[no-untyped-def]
        """Count the runs of a redelivered message: one that kills its worker every time (requeued by
        task_reject_on_worker_lost, or redelivered after the visibility timeout) must not loop forever."""
        if not (self.request.delivery_info or {}).get("redelivered"):
            return  # a first delivery: no earlier run can have died, and no Redis round trip
        try:
            pipe = broker().pipeline()
            runs, _ = pipe.incr(LOST_PREFIX + task_id).expire(LOST_PREFIX + task_id, 86400).execute()
        except RedisError:
            return  # cannot count now: run it (at worst one more redelivery)
        limit = get_settings().max_worker_lost
        if runs > limit:
            raise WorkerLostTooOften(
                f"the worker running this message died on each of its last {runs - 1} redelivered runs "
                f"(killed, out of memory or crashed; NEWSWIRE_MAX_WORKER_LOST={limit})"
            )

    def after_return(self, status, retval, task_id, args, kwargs, einfo) -> None:  # type: ignore[no-untyped-def]
        """The run finished (the worker survived it): its redelivery count starts again."""
        self._ran_to_the_end(task_id)

    def _ran_to_the_end(self, task_id: str) -> None:
        if (self.request.delivery_info or {}).get("redelivered"):
            with contextlib.suppress(RedisError):  # else it expires on its own
                broker().delete(LOST_PREFIX + task_id)

    def on_retry(self, exc, task_id, args, kwargs, einfo) -> None:  # type: ignore[no-untyped-def]
        self._ran_to_the_end(task_id)
        message = args[0] if args and isinstance(args[0], dict) else {}
        log_event(logging.getLogger(f"newswire.{self.name.split('.', 1)[0]}"), "task.retry", logging.WARNING,
                  task=self.name, task_id=task_id, feed_id=message.get("feed_id"),
                  entry_key=message.get("entry_key"), attempt=self.request.retries + 1,
                  reason=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")  # fmt: skip

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:  # type: ignore[no-untyped-def]
        self.give_up(self.name, list(args), exc, str(einfo))

    def give_up(self, task_name: str, args: list, exc: BaseException, traceback: str) -> None:
        """Keep the message as a dead letter (replayable as `task_name`) and settle each of its entries at
        the fetcher; a batch task also gives up here on a single entry of its batch."""
        message = args[0] if args and isinstance(args[0], dict) else {}
        members = message.get("entries") or message.get("articles") or [message]
        first = members[0] if isinstance(members[0], dict) else {}
        single = len(members) == 1
        stage = task_name.split(".", 1)[0]
        logger = logging.getLogger(f"newswire.{stage}")
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        log_event(logger, "task.gave_up", logging.ERROR, task=task_name, task_id=self.request.id,
                  feed_id=first.get("feed_id"), entry_key=first.get("entry_key") if single else None,
                  entries=len(members), reason=reason)  # fmt: skip
        letter = dead_letters.bury(broker(), task_name, args, f"{type(exc).__name__}: {exc}", traceback,
                                   feed_id=first.get("feed_id"),
                                   entry_key=first.get("entry_key") if single else None)  # fmt: skip
        log_event(logger, "dead_letter.kept", logging.ERROR, task=task_name, dead_letter=letter,
                  feed_id=first.get("feed_id"))  # fmt: skip
        if stage in ("parser", "store"):
            for member in members:
                self._settle_failed(member, "parse" if stage == "parser" else "store", exc)

    def _settle_failed(self, message: object, stage: str, exc: BaseException) -> None:
        if not isinstance(message, dict) or not {"feed_id", "entry_key", "content_hash"} <= set(message):
            return
        try:
            failed = EntryFailed(
                feed_id=message["feed_id"], entry_key=message["entry_key"],
                content_hash=message["content_hash"], stage=stage,
                reason=f"{type(exc).__name__}: {exc}"[:500], run_id=message.get("run_id"),
            )  # fmt: skip
        except ValidationError:  # the message was too broken to name its entry: logged above
            return
        self.app.send_task("fetcher.entry_failed", args=[failed.dump()])


class Liveness(bootsteps.StartStopStep):
    """Touches NEWSWIRE_LIVENESS_FILE from the consumer's own event loop every few seconds: the file goes
    stale when the worker stops consuming, even if the process stays up (celery#9054, #10302)."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: object, **kwargs: object) -> None:
        self.timer_ref = None
        self.path = get_settings().liveness_file

    def start(self, consumer) -> None:  # type: ignore[no-untyped-def]
        if self.path is not None:
            touch(self.path)
            self.timer_ref = consumer.timer.call_repeatedly(10.0, touch, (self.path,), priority=10)

    def stop(self, consumer) -> None:  # type: ignore[no-untyped-def]
        if self.timer_ref is not None:
            self.timer_ref.cancel()


def touch(path: Path) -> None:
    """Mark the worker alive now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def progress_file(liveness_file: Path) -> Path:
    """Touched after every finished task: proof of consumption, not only of a running event loop."""
    return liveness_file.with_name(liveness_file.name + ".progress")


_started: dict[str, float] = {}


@task_prerun.connect
def _task_started(task_id: str, **_: object) -> None:
    _started[task_id] = time.perf_counter()


@task_postrun.connect
def _task_finished(task_id: str, task: Task, state: str | None = None, **_: object) -> None:
    liveness = get_settings().liveness_file
    if liveness is not None:
        touch(progress_file(liveness))
    started = _started.pop(task_id, None)
    if started is None:
        return
    try:
        metrics.observe_task(broker(), task.name, time.perf_counter() - started, (state or "unknown").lower())
    except Exception as exc:
        log_event(logging.getLogger("newswire.metrics"), "metrics.lost", logging.WARNING, reason=str(exc))


def _detached_channels_raise_connection_errors() -> None:
    """Make a Redis channel whose connection was already collected fail with a *connection* error.

    celery 5.7 handles a lost broker by `connection.collect()` and then `connection.close()`
    (Consumer.on_connection_error_after_connected). collect() detaches the transport from the
    connection (`transport.client = None`) but can leave the task channel open: that channel's own close
    stops at the ConnectionError of its in-flight BRPOP, and the transport stops closing channels at the
    first one that raises (the pidbox channel deletes its auto-delete queue on a dead socket). close()
    then closes the task channel for real; with tasks unacked it restores them through a new pool built
    from `transport.client`, which is None: AttributeError, which `ignore_errors` does not ignore, so the
    worker dies with "Unrecoverable error" after "Trying to re-establish the connection" (or hangs in
    that shutdown). The same detached channel, reused by a producer, made a retry's publish fail with
    AttributeError, which celery turns into Reject(requeue=False). As a connection error both become what
    they are: the restore waits for the visibility sweep, the publish is retried on a new connection.
    """
    from kombu.transport import redis as kombu_redis

    original = kombu_redis.Channel._connparams
    if getattr(original, "newswire_guard", False):
        return

    def _connparams(self, asynchronous=False):  # type: ignore[no-untyped-def]
        if self.connection is None or self.connection.client is None:
            raise RedisConnectionError("this broker channel belongs to a connection already closed")
        return original(self, asynchronous=asynchronous)

    _connparams.newswire_guard = True  # type: ignore[attr-defined]
    kombu_redis.Channel._connparams = _connparams


_detached_channels_raise_connection_errors()


def create_app(settings: Settings | None = None, name: str = "newswire") -> Celery:
    """Build the Celery app every service, the CLI and the tests share."""
    settings = settings or get_settings()
    app = Celery(name, broker=broker_url(settings), set_as_current=True, task_cls=PipelineTask)
    # kombu >= 5.7 sweeps for expired unacked messages every interval × throttle seconds (~100 s by
    # default); ours is NEWSWIRE_UNACKED_SWEEP_SECONDS.
    sweep = settings.unacked_sweep_seconds
    transport_options = {
        "visibility_timeout": settings.visibility_timeout,
        "unacked_restore_interval": sweep / 3 if sweep > 3 else sweep,
        "unacked_restore_throttle": 3 if sweep > 3 else 1,
        "socket_keepalive": True,
        "health_check_interval": 25,
        "retry_on_timeout": True,
    }
    app.conf.update(
        broker_connection_retry_on_startup=True,
        broker_transport_options=transport_options,
        visibility_timeout=settings.visibility_timeout,
        task_ignore_result=True,
        # A send from inside a task rides out a broker restart (~30 s) instead of failing the task
        # after the default 0.6 s (celery docs, task_publish_retry_policy).
        task_publish_retry=True,
        task_publish_retry_policy={
            "max_retries": 12,
            "interval_start": 0.5,
            "interval_step": 1.0,
            "interval_max": 4.0,
        },
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
    app.steps["consumer"].add(Liveness)
    return app


@setup_logging.connect
def _use_our_logging(**_: object) -> None:
    configure_logging(get_settings().log_level, get_settings().log_format)


# Transient: our own kind (database locked or down), and the broker itself gone for longer than the
# publish retries below (a Redis restart): the task runs again later, its effects are idempotent.
RETRYABLE = (TransientError, KombuOperationalError, RedisConnectionError)


def retry_options(settings: Settings | None = None) -> dict[str, object]:
    """Retry policy for transient errors: PipelineTask.retry's backoff, as many times as it takes to
    cover NEWSWIRE_RETRY_FOR_SECONDS (a database restart) and at least NEWSWIRE_MAX_RETRIES."""
    settings = settings or get_settings()
    return {
        "autoretry_for": RETRYABLE,
        "retry_backoff": False,  # PipelineTask.retry sets the delay
        "max_retries": retries_to_cover(settings),
    }


def _backoff_ceiling(retries: int, settings: Settings) -> float:
    return float(min(settings.retry_backoff_max, 2 * 2 ** min(retries, 30)))


def backoff_delay(retries: int, settings: Settings | None = None) -> float:
    """Exponential backoff, capped, with "equal jitter" (half fixed, half random): retries after an
    outage spread out, and the waits still add up to a known minimum (full jitter can be all zeros)."""
    ceiling = _backoff_ceiling(retries, settings or get_settings())
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (jitter, not a secret)


def retries_to_cover(settings: Settings) -> int:
    """How many retries make the shortest possible sum of backoff delays reach retry_for_seconds."""
    retries, waited = 0, 0.0
    while waited < settings.retry_for_seconds:
        waited += max(_backoff_ceiling(retries, settings) / 2, 0.5)
        retries += 1
    return max(settings.max_retries, retries)
