"""Main text of an article page (the fetcher sends it for summary-only feeds), via trafilatura.

Issue 4 benchmarks extractors and adds site-aware cleaning; this is the baseline it must beat."""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass

import trafilatura

from services.parser.sanitize import sanitize_html
from services.parser.text import html_to_text

MAX_PAGE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class PageText:
    """The article body of a page as plain text and as sanitised HTML."""

    text: str
    html: str


def decompress_page(page_html_z: str) -> bytes:
    """Undo the fetcher's zlib + base64, refusing anything that inflates past the cap."""
    try:
        raw = base64.b64decode(page_html_z, validate=True)
        inflater = zlib.decompressobj()
        html = inflater.decompress(raw, MAX_PAGE_BYTES)
    except (binascii.Error, zlib.error) as exc:
        raise ValueError(f"page payload is not zlib+base64: {exc}") from exc
    if inflater.unconsumed_tail:
        raise ValueError(f"page inflates past {MAX_PAGE_BYTES} bytes")
    return html


def extract_page(html: bytes, url: str | None) -> PageText | None:
    """The page's main text, or None when nothing article-like is found."""
    body = trafilatura.extract(html, url=url, output_format="html", include_comments=False,
                               include_tables=True, favor_precision=True)  # fmt: skip
    if not body:
        return None
    text = html_to_text(body)
    if not text:
        return None
    return PageText(text=text, html=sanitize_html(body))
