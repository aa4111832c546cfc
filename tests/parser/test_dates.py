from datetime import UTC, datetime

import pytest

from services.parser.dates import normalise_published

FETCHED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
CASES = [
    pytest.param("Tue, 29 Oct 2019 18:05:00 +0400", datetime(2019, 10, 29, 14, 5), "ok", id="rfc822-offset"),
    pytest.param("Tue, 29 Oct 2019 18:05:00 AZT", datetime(2019, 10, 29, 14, 5), "ok", id="baku-zone-name"),
    pytest.param("Tue, 29 Oct 2019 14:05:00 GMT", datetime(2019, 10, 29, 14, 5), "ok", id="rfc822-gmt"),
    pytest.param("2019-10-29T18:05:00+04:00", datetime(2019, 10, 29, 14, 5), "ok", id="rfc3339"),
    pytest.param("2019-10-29T14:05:00Z", datetime(2019, 10, 29, 14, 5), "ok", id="rfc3339-z"),
    pytest.param("Tue, 29 Oct 2019 19:05:00 UZT", datetime(2019, 10, 29, 14, 5), "ok", id="tashkent-zone"),
    pytest.param("05.10.2019 18:05 +0400", datetime(2019, 10, 5, 14, 5), "ok", id="day-first-dotted"),
    pytest.param("2019-10-29 14:05", datetime(2019, 10, 29, 14, 5), "assumed_utc", id="no-zone"),
    pytest.param(None, datetime(2026, 11, 27, 12), "missing", id="missing"),
    pytest.param("  ", datetime(2026, 11, 27, 12), "missing", id="blank"),
    pytest.param("yesterday-ish", datetime(2026, 11, 27, 12), "unparsed", id="garbage"),
    pytest.param("2031-01-01T00:00:00Z", datetime(2026, 11, 27, 12), "unparsed", id="far-future"),
]


@pytest.mark.parametrize(("raw", "expected", "flag"), CASES)
def test_normalise_published(raw: str | None, expected: datetime, flag: str) -> None:
    value, got_flag = normalise_published(raw, FETCHED)
    assert value == expected.replace(tzinfo=UTC)
    assert value.tzinfo is not None and value.utcoffset().total_seconds() == 0
    assert got_flag == flag
