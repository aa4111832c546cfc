"""Publication dates to UTC, parsed from the feed's own string (feedparser's zones are not trusted)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal

from dateutil import parser as dateutil_parser
from dateutil.tz import tzoffset

DateFlag = Literal["ok", "missing", "unparsed", "assumed_utc"]

# Zone abbreviations regional outlets print; dateutil does not know them and feedparser guesses.
REGIONAL_ZONES = {
    name: tzoffset(name, hours * 3600)
    for name, hours in {
        "AZT": 4,  # Azerbaijan
        "AZST": 5,
        "GET": 4,  # Georgia
        "AMT": 4,  # Armenia
        "MSK": 3,  # Moscow
        "TRT": 3,  # Turkey
        "IRST": 3.5,  # Iran
        "UZT": 5,  # Uzbekistan
        "TJT": 5,  # Tajikistan
        "TMT": 5,  # Turkmenistan
        "KGT": 6,  # Kyrgyzstan
        "ALMT": 5,  # Kazakhstan (unified UTC+5 since 2024)
        "AQTT": 5,
        "UTC": 0,
        "GMT": 0,
        "Z": 0,
    }.items()
}
# Dates further ahead than this are treated as wrong (a zone error or a typo), not as the future.
FUTURE_SLACK = timedelta(hours=14)
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


def normalise_published(raw: str | None, fetched_at: datetime) -> tuple[datetime, DateFlag]:
    """The publication time in UTC and how sure we are; falls back to the fetch time, flagged."""
    fetched_at = fetched_at.astimezone(UTC)
    if not raw or not raw.strip():
        return fetched_at, "missing"
    parsed = _parse(raw.strip())
    if parsed is None:
        return fetched_at, "unparsed"
    flag: DateFlag = "ok"
    if parsed.tzinfo is None:
        parsed, flag = parsed.replace(tzinfo=UTC), "assumed_utc"
    parsed = parsed.astimezone(UTC)
    if parsed > fetched_at + FUTURE_SLACK or parsed < EARLIEST:
        return fetched_at, "unparsed"
    return parsed, flag


def _parse(raw: str) -> datetime | None:
    try:  # RFC 822 / RFC 2822, the RSS 2.0 form
        value = parsedate_to_datetime(raw)
        # email.utils reads "-0000" and unknown zones as naive; let dateutil look at named zones.
        if value.tzinfo is not None or raw.rstrip().endswith("-0000"):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError):
        pass
    try:  # ISO 8601 / RFC 3339, the Atom form, and the many near-misses outlets print
        # Outlets in the region print day-first dates (29.10.2019, 05/10/2019).
        dayfirst = bool(re.match(r"\d{1,2}[./]\d{1,2}[./]\d{4}", raw))
        return dateutil_parser.parse(raw, tzinfos=REGIONAL_ZONES, dayfirst=dayfirst)
    except (ValueError, OverflowError, TypeError):
        return None
