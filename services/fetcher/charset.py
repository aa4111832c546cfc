"""Decode a feed body right before feedparser sees it: BOM, then valid UTF-8, then the labels, then detection.

feedparser trusts the declared charset: a UTF-8 body labelled windows-1251 (common in the region) comes
out garbled without an error. We pick the decoding that is valid and hand feedparser UTF-8."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", re.IGNORECASE)
_XML_DECL_ENCODING = re.compile(
    r"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._:-]+)([\"'])", re.IGNORECASE
)
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)


def declared_charsets(body: bytes, content_type: str | None) -> list[str]:
    """Charsets the response claims: the HTTP header's first, then the XML declaration's."""
    found = []
    if content_type and (match := _HTTP_CHARSET.search(content_type)):
        found.append(match.group(1).lower())
    if match := _XML_DECL.match(body[:200]):
        found.append(match.group(1).decode("ascii").lower())
    return [name for name in found if _known(name)]


def decode_body(body: bytes, content_type: str | None) -> tuple[str, str]:
    """The body as text and the encoding that produced it."""
    for bom, name in BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace"), name
    try:
        return body.decode("utf-8"), "utf-8"  # valid UTF-8 is UTF-8, whatever the label says
    except UnicodeDecodeError:
        pass
    for name in declared_charsets(body, content_type):
        if codecs.lookup(name).name == "utf-8":
            continue  # just failed above
        try:
            return body.decode(name), name
        except UnicodeDecodeError:
            continue
    best = from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        return body.decode(best.encoding, errors="replace"), best.encoding
    return body.decode("windows-1251", errors="replace"), "windows-1251"


def to_utf8(body: bytes, content_type: str | None) -> tuple[bytes, str]:
    """UTF-8 bytes with the XML declaration saying so, and the encoding the body really had."""
    text, encoding = decode_body(body, content_type)
    text = _XML_DECL_ENCODING.sub(r"\1utf-8\3", text, count=1)
    return text.encode("utf-8"), encoding


def _known(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True
