"""Entry identity and content fingerprints: what decides new, updated or already sent."""

from __future__ import annotations

import hashlib
import unicodedata


def entry_key(guid: str | None, link: str | None, title: str) -> str:
    """The entry's stable key inside its feed: GUID, else link, else a hash of the title."""
    for candidate in (guid, link):
        if candidate and candidate.strip():
            return candidate.strip()
    return "title:" + hashlib.sha256(_norm(title).encode()).hexdigest()[:32]


def content_hash(title: str, content: str) -> str:
    """SHA-256 of normalised title + content: changes when the story's words change."""
    payload = _norm(title) + "\x1f" + _norm(content)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _norm(text: str) -> str:
    # NFC + collapsed whitespace, so re-serialised but identical entries hash the same.
    return " ".join(unicodedata.normalize("NFC", text or "").split())
