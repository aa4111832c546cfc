"""`newswire run`: Redis (embedded unless configured), migrations, one process per worker and beat."""

from __future__ import annotations

import logging
import signal
import time
from pathlib import Path

import redis

from newswire.once import Summary, run_once
from newswire.processes import Child, EmbeddedRedis, celery_child
from services.fetcher import registry
from services.store import repository
from shared.celery_app import create_app, progress_file
from shared.logging import log_event
from shared.queues import QUEUES
from shared.redis_client import redis_client
from shared.settings import Settings

log = logging.getLogger("newswire.run")
STOP_TIMEOUT = 30.0  # > worker_soft_shutdown_timeout: warm shutdown finishes or requeues first


class ChildDied(RuntimeError):
    """A supervised process exited on its own."""


class Supervisor:
    """Starts every process of the system, keeps them up, and stops them in order on Ctrl-C."""

    def __init__(self, settings: Settings, *, once: bool, quiet_children: bool):
        self.settings = settings
        self.once = once
        self.quiet = quiet_children
        self.embedded: EmbeddedRedis | None = None
        self.children: list[Child] = []
        self.stopping = False
        self.redis_url = settings.redis_url or ""
        self._backlog_since: dict[str, float] = {}  # queue -> when the watchdog first saw work waiting

    def start(self) -> None:
        """Redis first, then the schema, then the workers (and beat unless --once)."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        if not self.settings.redis_url:
            self.embedded = EmbeddedRedis(self.settings.data_dir)
            self.redis_url = self.embedded.start()
        log_event(log, "redis.ready", url=self.redis_url, embedded=self.embedded is not None)
        registry.ensure_schema(self.settings)
        repository.ensure_schema(self.settings)
        env = self.settings.child_env(redis_url=self.redis_url)
        logs = self.settings.data_dir / "logs" if self.quiet else None
        fetch_pool = ["-P", "threads", "-c", str(self.settings.fetch_concurrency)]
        parse_pool = ["-P", "prefork", "-c", str(self.settings.parse_concurrency)]
        # SQLite has one writer: one store process. On PostgreSQL two processes: the store's own CPU is most
        # of its work and threads share one core (bench/pipeline.py: 132 -> 162 entries/s).
        sqlite_store = self.settings.article_db_url.startswith("sqlite")
        store_pool = ["-P", "solo"] if sqlite_store else ["-P", "prefork", "-c", "2"]
        plan = [
            ("fetch", "services.fetcher.tasks:app", fetch_pool),
            ("parse", "services.parser.tasks:app", parse_pool),
            ("store", "services.store.tasks:app", store_pool),
        ]
        for queue, app, pool in plan:
            args = ["worker", "-Q", queue, "-n", f"{queue}@%h", *pool, "--without-gossip", "--without-mingle"]
            args += ["-l", self.settings.log_level]
            worker_env = {**env, "NEWSWIRE_LIVENESS_FILE": str(self._liveness(queue))}
            self.children.append(celery_child(queue, app, args, worker_env, logs and logs / f"{queue}.log"))
        if not self.once:
            schedule = str((self.settings.data_dir / "celerybeat-schedule").resolve())
            args = ["beat", "-s", schedule, "-l", self.settings.log_level]
            self.children.append(celery_child("beat", "services.fetcher.tasks:app", args, env, None))
        for child in self.children:
            child.start()

    def _liveness(self, queue: str) -> Path:
        return (self.settings.data_dir / "alive" / queue).resolve()

    def watch(self) -> list[str]:
        """Restart workers that have work waiting but finished no task for NEWSWIRE_STALL_SECONDS.

        A worker can stay up yet stop consuming after a broker restart (celery#9054, #10302). While the
        broker does not answer there is nothing to judge: the workers are reconnecting; look again later."""
        restarted = []
        client = redis_client(self.redis_url)
        try:
            waiting = {child.name: client.llen(child.name) for child in self.children if child.name in QUEUES}
        except redis.RedisError as exc:
            log_event(log, "watchdog.broker_unreachable", logging.WARNING, reason=str(exc))
            return restarted
        finally:
            client.close()
        now = time.time()
        for child in self.children:
            if child.name not in QUEUES or not child.alive():
                continue
            if waiting[child.name] == 0:
                self._backlog_since.pop(child.name, None)
                continue
            waiting_since = self._backlog_since.setdefault(child.name, now)
            marker = progress_file(self._liveness(child.name))
            progress = marker.stat().st_mtime if marker.exists() else 0.0
            last = max(progress, waiting_since, child.started_at or 0.0)
            if now - last <= self.settings.stall_seconds:
                continue
            log_event(log, "worker.stalled", logging.ERROR, name=child.name, pid=child.proc.pid,
                      idle_seconds=round(now - last))  # fmt: skip
            child.stop(10)  # a stalled worker may not finish a warm shutdown: SIGKILL after 10 s
            child.start()
            self._backlog_since.pop(child.name, None)
            restarted.append(child.name)
        return restarted

    def heal_broker(self) -> bool:
        """Start the embedded Redis again if it died (AOF: its queues come back); the workers reconnect."""
        if self.embedded is None or self.embedded.alive() or self.stopping:
            return False
        dead = self.embedded.child.proc if self.embedded.child else None
        log_event(log, "redis.restart", logging.ERROR, code=dead.returncode if dead else None)
        self.embedded.start()
        return True

    def check_children(self) -> None:
        """Raise ChildDied if a worker exited while we still need it."""
        for child in self.children:
            if not child.alive() and not self.stopping:
                code = child.proc.returncode if child.proc else None
                raise ChildDied(f"the {child.name} process exited with code {code}")

    def run_once(self) -> Summary:
        """Poll every enabled feed once and wait until all of it is stored."""
        app = create_app(self.settings.model_copy(update={"redis_url": self.redis_url}))
        try:
            with app.producer_or_acquire() as producer:
                return run_once(
                    self.settings,
                    lambda name, args: app.send_task(name, args=args, producer=producer),
                    redis_client(self.redis_url),
                    self.check_children,
                )
        finally:
            app.close()

    def run_forever(self) -> None:
        """Keep the system up until SIGINT/SIGTERM; a process that dies is restarted."""
        restarts: dict[str, list[float]] = {}
        last_watch = time.monotonic()
        while not self.stopping:
            if self.heal_broker():
                recent = [t for t in restarts.get("redis", []) if time.monotonic() - t < 60]
                if len(recent) >= 5:
                    raise ChildDied("the embedded redis-server keeps exiting (5 times in a minute)")
                restarts["redis"] = [*recent, time.monotonic()]
            if time.monotonic() - last_watch > 5:
                self.watch()
                last_watch = time.monotonic()
            for child in self.children:
                if not child.alive() and not self.stopping:
                    recent = [t for t in restarts.get(child.name, []) if time.monotonic() - t < 60]
                    if len(recent) >= 5:
                        raise ChildDied(f"the {child.name} process keeps exiting (5 times in a minute)")
                    restarts[child.name] = [*recent, time.monotonic()]
                    log_event(log, "child.restart", logging.WARNING, name=child.name)
                    child.start()
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop beat and workers (warm shutdown, in pipeline order), then Redis last."""
        self.stopping = True
        for child in self.children:
            if child.name == "beat":  # no new polls first
                child.stop(STOP_TIMEOUT)
        workers = [child for child in self.children if child.name != "beat"]
        for child in workers:  # all at once: each finishes its running tasks in parallel
            child.terminate()
        for child in workers:
            child.stop(STOP_TIMEOUT)
        if self.embedded:
            self.embedded.stop()

    def install_signal_handlers(self) -> None:
        """Ctrl-C and SIGTERM end the main loop; stop() then shuts everything down in order."""

        def handler(signum: int, _frame: object) -> None:
            if self.stopping:
                return
            log_event(log, "run.stopping", signal=signal.Signals(signum).name)
            self.stopping = True
            raise KeyboardInterrupt

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)
