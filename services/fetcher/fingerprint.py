"""Entry identity and content fingerprints: what decides new, updated or already sent."""

from __future__ import annotations

import hashlib
import unicodedata

from shared.urls import bounded_key


def entry_key(guid: str | None, link: str | None, title: str, *, link_repeats: bool = False) -> str:
    """The entry's stable key inside its feed: GUID, else link, else a hash of link + title.

    A link shared by several entries of one feed (a section page, the home page) does not identify
    an entry: those get link + title. A GUID or link too long for the ledger's index is bounded."""
    if guid and guid.strip():
        return bounded_key(guid.strip())
    if link and link.strip() and not link_repeats:
        return bounded_key(link.strip())
    return "title:" + hashlib.sha256((_norm(link or "") + "\x1f" + _norm(title)).encode()).hexdigest()[:32]


def content_hash(title: str, content: str) -> str:
    """SHA-256 of normalised title + content: changes when the story's words change."""
    payload = _norm(title) + "\x1f" + _norm(content)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _norm(text: str) -> str:
    # NFC + collapsed whitespace, so re-serialised but identical entries hash the same.
    return " ".join(unicodedata.normalize("NFC", text or "").split())
