"""`newswire run` as a user runs it: Ctrl-C stops everything, and nothing outlives the supervisor."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.feed_server import FeedServer
from tests.support.sample_site import serve_sample

pytestmark = pytest.mark.e2e
NEWSWIRE = str(Path(sys.executable).with_name("newswire"))


def _groups_alive(pgids: set[int]) -> set[int]:
    """Process groups in `pgids` that still have a live (non-zombie) member."""
    alive = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp in pgids and state != "Z":
            alive.add(pgrp)
    return alive


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update(NEWSWIRE_SEED_DEFAULT_FEEDS="false", NEWSWIRE_ALLOWED_NETWORKS="127.0.0.0/8",
               NEWSWIRE_CONFINE_TO_ALLOWED_NETWORKS="true", NEWSWIRE_HOST_MIN_DELAY_SECONDS="0.1",
               NEWSWIRE_BEAT_INTERVAL_SECONDS="1")  # fmt: skip
    return env


def _start(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    env = _env()
    err = tmp_path / "stderr.log"
    proc = subprocess.Popen([NEWSWIRE, "run"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=err.open("w"))  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = err.read_text()
        if "name=beat" in text and text.count("ready.") >= 3:  # three workers said "ready."
            return proc, err
        assert proc.poll() is None, text
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"newswire run did not come up:\n{err.read_text()}")


def _children(err: Path) -> set[int]:
    return {int(pid) for pid in re.findall(r"event=child.started name=\w+ pid=(\d+)", err.read_text())}


def _wait_gone(pgids: set[int], timeout: float) -> set[int]:
    deadline = time.monotonic() + timeout
    while _groups_alive(pgids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return _groups_alive(pgids)


def _stored(tmp_path: Path) -> int:
    db = tmp_path / "data" / "newswire.db"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("select count(*) from articles").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def test_beat_polls_due_feeds_and_ctrl_c_stops_every_process(
    tmp_path: Path, feed_server: FeedServer, sample_feed: bytes
) -> None:
    add = [NEWSWIRE, "feeds", "add", serve_sample(feed_server), "--name", "Azernews"]
    subprocess.run(add, cwd=tmp_path, env=_env(), check=True, capture_output=True)
    proc, err = _start(tmp_path)
    children = _children(err)
    deadline = time.monotonic() + 60
    while _stored(tmp_path) < 4 and time.monotonic() < deadline:  # beat → poll_due → the pipeline
        time.sleep(0.3)
    assert _stored(tmp_path) == 4, err.read_text()
    assert len(children) == 5  # redis, fetch, parse, store, beat
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=90) == 130
    assert _wait_gone(children, 5) == set(), err.read_text()
    assert "event=child.stopped name=redis" in err.read_text()
    assert not (tmp_path / "data" / "redis" / "redis.sock").exists()


def test_nothing_outlives_a_killed_supervisor(tmp_path: Path) -> None:
    proc, err = _start(tmp_path)
    children = _children(err)
    proc.kill()  # no chance to clean up: the children must notice on their own (PR_SET_PDEATHSIG)
    proc.wait()
    leftover = _wait_gone(children, 60)
    for pgid in leftover:  # do not leave strays behind if the assertion fails
        os.killpg(pgid, signal.SIGKILL)
    assert leftover == set()
