"""Dead letters: messages a task gave up on, kept in Redis with payload, error and traceback, replayable.

Redis holds them because every service already shares it and it is persistent (AOF) in every supported
setup; they are few (a feed that breaks the parser, a row the DB refuses), so a hash per letter and one
sorted index are enough."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import redis

INDEX = "newswire:dead:index"
PREFIX = "newswire:dead:"


@dataclass(frozen=True)
class DeadLetter:
    """One message that failed for good."""

    id: str
    task: str
    args: list[Any]
    error: str
    traceback: str
    failed_at: float
    feed_id: int | None = None
    entry_key: str | None = None
    replays: int = 0


def bury(
    client: redis.Redis,
    task: str,
    args: list[Any],
    error: str,
    traceback: str,
    *,
    feed_id: int | None = None,
    entry_key: str | None = None,
) -> str:
    """Keep a failed message; returns its id."""
    letter = DeadLetter(uuid.uuid4().hex[:12], task, list(args), error[:2000], traceback[-20000:],
                        time.time(), feed_id, entry_key)  # fmt: skip
    pipe = client.pipeline()
    pipe.set(PREFIX + letter.id, json.dumps(asdict(letter)))
    pipe.zadd(INDEX, {letter.id: letter.failed_at})
    pipe.execute()
    return letter.id


def list_letters(client: redis.Redis, limit: int = 100) -> list[DeadLetter]:
    """The newest dead letters first."""
    ids = [i.decode() for i in client.zrevrange(INDEX, 0, limit - 1)]
    return [letter for letter in (get(client, i) for i in ids) if letter is not None]


def get(client: redis.Redis, letter_id: str) -> DeadLetter | None:
    """One dead letter by id."""
    raw = client.get(PREFIX + letter_id)
    return DeadLetter(**json.loads(raw)) if raw else None


def count(client: redis.Redis) -> int:
    """How many dead letters wait for a person."""
    return int(client.zcard(INDEX))


def remove(client: redis.Redis, letter_id: str) -> None:
    """Forget a dead letter (after a successful replay, or by hand)."""
    pipe = client.pipeline()
    pipe.delete(PREFIX + letter_id)
    pipe.zrem(INDEX, letter_id)
    pipe.execute()


def replay(client: redis.Redis, letter_id: str, send_task: Any) -> DeadLetter:
    """Send the message again as it was; it leaves the dead-letter store (it comes back if it fails again)."""
    letter = get(client, letter_id)
    if letter is None:
        raise KeyError(f"no dead letter {letter_id!r} (see `newswire dead list`)")
    send_task(letter.task, args=letter.args)
    remove(client, letter_id)
    return letter
