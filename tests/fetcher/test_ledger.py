from datetime import UTC, datetime, timedelta

import pytest

from services.fetcher.ledger import Decision, decide
from services.fetcher.models import EntryState

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)


def state(sent: str, stored: str | None = None, failed: str | None = None, age: timedelta = HOUR / 6):
    return EntryState(
        feed_id=1, entry_key="k", sent_hash=sent, sent_at=NOW - age, stored_hash=stored, failed_hash=failed
    )


CASES = [
    pytest.param(None, "h1", Decision.NEW, id="never-seen-is-new"),
    pytest.param(state("h1", stored="h1"), "h1", Decision.UNCHANGED, id="stored-same-content"),
    pytest.param(state("h1", stored="h1"), "h2", Decision.UPDATED, id="content-changed"),
    pytest.param(state("h1"), "h1", Decision.IN_FLIGHT, id="sent-recently-unconfirmed"),
    pytest.param(state("h1", age=2 * HOUR), "h1", Decision.RESEND, id="lost-on-the-bus-resent"),
    pytest.param(state("h2", stored="h1"), "h1", Decision.UNCHANGED, id="reverted-to-stored-content"),
    pytest.param(state("h1", failed="h1"), "h1", Decision.FAILED, id="failed-content-not-resent"),
    pytest.param(state("h1", failed="h1"), "h2", Decision.UPDATED, id="failed-then-changed"),
]


@pytest.mark.parametrize(("row", "content", "expected"), CASES)
def test_decide(row: EntryState | None, content: str, expected: Decision) -> None:
    assert decide(row, content, NOW, HOUR) is expected
