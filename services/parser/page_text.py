"""The article page as the fetcher ships it (zlib + base64 inside the RawEntry), unpacked under a size cap."""

from __future__ import annotations

import base64
import binascii
import zlib

MAX_PAGE_BYTES = 5 * 1024 * 1024


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
