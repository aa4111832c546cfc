"""`newswire run --once`: poll every enabled feed once, wait until all of it is settled, summarise."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import redis
from sqlalchemy import func, select

from services.fetcher import registry
from services.fetcher.models import EntryState, Feed, PollLog
from services.store import repository
from shared.messages import PollFeed
from shared.queues import QUEUES
from shared.settings import Settings

UNACKED = "unacked"  # kombu's hash of delivered, not yet acknowledged messages
IDLE_GRACE = 5.0  # seconds of an empty bus after which unsettled entries are reported, not awaited
PRIORITY_SEP = "\x06\x16"  # kombu's Redis transport keeps priorities 3, 6, 9 in suffixed lists


@dataclass
class FeedRow:
    """One line of the summary table."""

    feed_id: int
    name: str
    status: str
    seen: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0
    reason: str | None = None  # why the feed could not be polled
    entry_problems: str | None = None  # entries polled but not stored


@dataclass
class Summary:
    """What one `--once` run did, per feed and in total."""

    run_id: str
    seconds: float
    feeds: list[FeedRow]
    stored_total: int
    stored_by_label: dict[str, int]
    timed_out: bool = False
    unsettled: int = 0
    polled_ok: int = field(init=False)

    def __post_init__(self) -> None:
        self.polled_ok = sum(1 for row in self.feeds if row.reason is None)

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


def queued_messages(client: redis.Redis) -> int:
    """Messages waiting in the three queues, priority lists included."""
    keys = [q for q in QUEUES] + [f"{q}{PRIORITY_SEP}{p}" for q in QUEUES for p in (3, 6, 9)]
    pipe = client.pipeline()
    for key in keys:
        pipe.llen(key)
    return sum(pipe.execute())


def run_once(
    settings: Settings,
    send_task: Callable[..., object],
    broker: redis.Redis,
    check_children: Callable[[], None],
) -> Summary:
    """Send one poll per enabled feed, wait for every resulting entry to settle, build the summary."""
    started = time.monotonic()
    run_id = uuid.uuid4().hex
    sessions = registry.session_factory(settings)
    with sessions() as session:
        feeds = [(feed.id, feed.name) for feed in registry.enabled_feeds(session)]
    for feed_id, _name in feeds:
        send_task("fetcher.poll_feed", args=[PollFeed(feed_id=feed_id, run_id=run_id).dump()])
    deadline = started + settings.once_timeout_seconds
    timed_out, unsettled, quiet_checks, idle_since = False, 0, 0, None
    while True:
        check_children()
        polled, unsettled = _progress(sessions, run_id)
        idle = queued_messages(broker) == 0 and broker.hlen(UNACKED) == 0
        busy = polled < len(feeds) or unsettled > 0 or not idle
        quiet_checks = 0 if busy else quiet_checks + 1
        if quiet_checks >= 2:  # two quiet looks in a row: nothing left in flight
            break
        # Entries that will never settle (a stage failed without a receipt): the bus is empty
        # and nothing is being worked on, so stop waiting and report them as unsettled.
        idle_since = (idle_since or time.monotonic()) if idle and polled == len(feeds) else None
        if idle_since and time.monotonic() - idle_since > IDLE_GRACE:
            break
        if time.monotonic() > deadline:
            timed_out = True
            break
        time.sleep(0.2)
    return _summary(settings, sessions, run_id, feeds, time.monotonic() - started, timed_out, unsettled)


def _progress(sessions, run_id: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        polled = session.scalar(select(func.count()).where(PollLog.run_id == run_id)) or 0
        unsettled = (
            session.scalar(
                select(func.count()).where(
                    EntryState.run_id == run_id,
                    (EntryState.settled_hash.is_(None)) | (EntryState.settled_hash != EntryState.sent_hash),
                )
            )
            or 0
        )
    return polled, unsettled


def _summary(settings, sessions, run_id, feeds, seconds, timed_out, unsettled) -> Summary:  # type: ignore[no-untyped-def]
    rows = []
    with sessions() as session:
        polls = {p.feed_id: p for p in session.scalars(select(PollLog).where(PollLog.run_id == run_id))}
        failed: dict[int, list[str]] = {}
        unsettled_by_feed: dict[int, int] = {}
        for state in session.scalars(select(EntryState).where(EntryState.run_id == run_id)):
            if state.failed_hash == state.sent_hash:
                failed.setdefault(state.feed_id, []).append(state.error or "unknown error")
            elif state.settled_hash != state.sent_hash:
                unsettled_by_feed[state.feed_id] = unsettled_by_feed.get(state.feed_id, 0) + 1
        names = {f.id: f.name for f in session.scalars(select(Feed))}
    for feed_id, name in feeds:
        poll = polls.get(feed_id)
        if poll is None:
            rows.append(FeedRow(feed_id, names.get(feed_id, name), "-", errors=1, reason="not polled"))
            continue
        rows.append(
            FeedRow(
                feed_id=feed_id,
                name=names.get(feed_id, name),
                status=str(poll.http_status) if poll.http_status else "-",
                seen=poll.seen,
                new=poll.new,
                updated=poll.updated,
                unchanged=poll.unchanged,
                errors=(1 if poll.error else 0)
                + len(failed.get(feed_id, []))
                + unsettled_by_feed.get(feed_id, 0),
                reason=poll.error
                or _entry_problems(failed.get(feed_id, []), unsettled_by_feed.get(feed_id, 0)),
            )
        )
    with repository.reader(settings)() as session:
        total = repository.count_articles(session)
        by_label = repository.count_by_label(session)
    return Summary(run_id, round(seconds, 2), rows, total, by_label, timed_out, unsettled)


def _entry_problems(failures: list[str], unsettled: int) -> str | None:
    """One line on the entries of a polled feed that did not get stored."""
    parts = []
    if failures:
        parts.append(f"{len(failures)} entries failed (first: {failures[0]})")
    if unsettled:
        parts.append(f"{unsettled} entries not confirmed stored")
    return "; ".join(parts) or None


def render_table(summary: Summary) -> str:
    """The summary as a plain-text table, failures with their one-line reason underneath."""
    header = ("feed", "status", "seen", "new", "updated", "unchanged", "errors")
    body = [
        (r.name, r.status, str(r.seen), str(r.new), str(r.updated), str(r.unchanged), str(r.errors))
        for r in summary.feeds
    ]
    totals = ("total", "", *(str(sum(int(row[i]) for row in body)) for i in range(2, 7)))
    widths = [max(len(row[i]) for row in [header, *body, totals]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(cells)
        ).rstrip()

    out = [line(header), line(tuple("-" * w for w in widths)), *map(line, body), line(totals), ""]
    for row in summary.feeds:
        for problem in (row.reason, row.entry_problems):
            if problem:
                out.append(f"! {row.name}: {problem}")
    labels = ", ".join(f"{label} {n}" for label, n in summary.stored_by_label.items()) or "none"
    out.append(f"stored articles: {summary.stored_total} (by label: {labels})")
    out.append(f"done in {summary.seconds:.2f} s")
    if summary.timed_out:
        out.append(f"! gave up waiting after the timeout with {summary.unsettled} entries still in flight")
    return "\n".join(out)
