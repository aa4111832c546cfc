"""The fingerprint ledger: send each entry version once, resend only what the store never confirmed."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from services.fetcher.models import EntryState
from shared.messages import EntryStored


class Decision(StrEnum):
    """What a poll does with one entry."""

    NEW = "new"  # never sent: send
    UPDATED = "updated"  # content changed since last sent: send again as an update
    RESEND = "resend"  # sent long ago, never confirmed stored (lost on the bus): send again
    UNCHANGED = "unchanged"  # confirmed stored with this content: skip
    FAILED = "failed"  # a stage gave up on this very content: skip until the content changes
    IN_FLIGHT = "in_flight"  # sent recently, confirmation pending: skip for now


def decide(state: EntryState | None, content_hash: str, now: datetime, resend_after: timedelta) -> Decision:
    """Decide for one entry from its ledger row (pure: no I/O)."""
    if state is None:
        return Decision.NEW
    if state.stored_hash == content_hash:
        return Decision.UNCHANGED
    if state.failed_hash == content_hash:
        return Decision.FAILED
    if state.sent_hash != content_hash:
        return Decision.UPDATED
    if now - state.sent_at >= resend_after:
        return Decision.RESEND
    return Decision.IN_FLIGHT


def load_states(session: Session, feed_id: int, keys: list[str]) -> dict[str, EntryState]:
    """Ledger rows of these entries, by key."""
    if not keys:
        return {}
    rows = session.scalars(
        select(EntryState).where(EntryState.feed_id == feed_id, EntryState.entry_key.in_(keys))
    )
    return {row.entry_key: row for row in rows}


def record_sent(
    session: Session,
    state: EntryState | None,
    feed_id: int,
    key: str,
    content_hash: str,
    now: datetime,
    run_id: str | None,
) -> None:
    """Note that this entry version went onto the bus."""
    if state is None:
        session.add(
            EntryState(
                feed_id=feed_id,
                entry_key=key,
                sent_hash=content_hash,
                sent_at=now,
                first_seen_at=now,
                run_id=run_id,
            )
        )
        return
    state.sent_hash, state.sent_at, state.run_id = content_hash, now, run_id


def record_stored(
    session: Session,
    feed_id: int,
    key: str,
    *,
    answered_hash: str,
    stored_hash: str,
    article_id: int,
    now: datetime,
) -> bool:
    """Note the store's receipt; False if the entry is unknown (e.g. its feed was removed)."""
    state = session.get(EntryState, (feed_id, key))
    if state is None:
        return False
    _settle_stored(state, answered_hash, stored_hash, article_id, now)
    return True


def _settle_stored(
    state: EntryState, answered_hash: str, stored_hash: str, article_id: int, now: datetime
) -> None:
    state.stored_hash, state.stored_at, state.article_id = stored_hash, now, article_id
    state.settled_hash = answered_hash
    if state.failed_hash == stored_hash:
        state.failed_hash, state.error = None, None


def record_stored_batch(session: Session, receipts: list[EntryStored], now: datetime) -> list[bool]:
    """Note a batch of receipts with one read of their ledger rows; False for an unknown entry."""
    keys = {(r.feed_id, r.entry_key) for r in receipts}
    query = select(EntryState).where(tuple_(EntryState.feed_id, EntryState.entry_key).in_(keys))
    rows = {(state.feed_id, state.entry_key): state for state in session.scalars(query)}
    known = []
    for r in receipts:
        state = rows.get((r.feed_id, r.entry_key))
        known.append(state is not None)
        if state is not None:
            _settle_stored(state, r.content_hash, r.stored_hash, r.article_id, now)
    return known


def record_failed(session: Session, feed_id: int, key: str, content_hash: str, reason: str) -> bool:
    """Note that a stage gave up on this version, so it is not resent in a loop."""
    state = session.get(EntryState, (feed_id, key))
    if state is None:
        return False
    state.failed_hash, state.settled_hash, state.error = content_hash, content_hash, reason
    return True


def record_page_validators(
    session: Session, feed_id: int, key: str, etag: str | None, last_modified: str | None
) -> None:
    """Keep the article page's ETag / Last-Modified for the next conditional GET of it."""
    state = session.get(EntryState, (feed_id, key))
    if state is not None:
        state.page_etag, state.page_last_modified = etag, last_modified


def has_lost_entries(session: Session, feed_id: int, sent_before: datetime) -> bool:
    """Entries sent before this time and never settled: their messages were lost (e.g. Redis lost
    its queues). The next poll must then read the feed in full even if it would answer 304."""
    lost = session.scalar(
        select(EntryState.entry_key)
        .where(
            EntryState.feed_id == feed_id,
            EntryState.sent_at < sent_before,
            (EntryState.settled_hash.is_(None)) | (EntryState.settled_hash != EntryState.sent_hash),
        )
        .limit(1)
    )
    return lost is not None
