"""Error kinds every service shares, so tasks know what to retry."""

from __future__ import annotations


class TransientError(Exception):
    """A failure worth retrying with backoff: network blip, database locked or unavailable."""


class PermanentError(Exception):
    """A failure no retry will fix: bad message, unparseable input."""
