import pytest
from pydantic import ValidationError

from shared.messages import EntryStored, PollFeed, RawEntry

RAW = dict(
    feed_id=1, feed_url="u", source="s", entry_key="k", content_hash="h", fetched_at="2026-11-27T10:00:00Z"
)


def test_round_trip_through_json() -> None:
    entry = RawEntry(**RAW)
    assert RawEntry.model_validate(entry.dump()) == entry
    assert entry.dump()["v"] == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"v": 2}, id="unknown-version"),
        pytest.param({"surprise": 1}, id="unknown-field"),
        pytest.param({"feed_id": "one"}, id="wrong-type"),
        pytest.param({"fetched_at": "yesterday"}, id="bad-date"),
    ],
)
def test_contract_drift_is_rejected(change: dict) -> None:
    with pytest.raises(ValidationError):
        RawEntry.model_validate({**RAW, **change})


def test_missing_required_field_is_rejected() -> None:
    with pytest.raises(ValidationError, match="feed_id"):
        PollFeed.model_validate({})
    with pytest.raises(ValidationError, match="outcome"):
        EntryStored.model_validate({"feed_id": 1, "entry_key": "k", "content_hash": "h", "stored_hash": "h",
                                    "article_id": 1})  # fmt: skip
