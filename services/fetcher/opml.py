"""OPML 2.0 import and export (opml.org/spec2.opml), the subscription format every feed reader speaks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, tostring

from lxml import etree

# No entity expansion (billion laughs), no DTD or network fetches: an OPML file is untrusted input.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class OPMLError(Exception):
    """The file is not OPML we can read."""


@dataclass(frozen=True)
class Outline:
    """One subscription: feed URL, name, and the folder it sat in."""

    url: str
    name: str | None
    category: str | None
    enabled: bool = True


def parse_opml(data: bytes) -> list[Outline]:
    """Every outline with an xmlUrl, at any depth; folders become categories."""
    if re.search(rb"<!DOCTYPE", data[:4096], re.IGNORECASE):
        raise OPMLError("not OPML we accept: it has a DOCTYPE (entity tricks are refused)")
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise OPMLError(f"not OPML: {exc}") from exc
    if root.tag != "opml" or root.find("body") is None:
        raise OPMLError("not OPML: no <opml><body>")
    found: list[Outline] = []

    def walk(node: etree._Element, category: str | None) -> None:
        for outline in node.findall("outline"):
            url = (outline.get("xmlUrl") or "").strip()
            name = outline.get("title") or outline.get("text")
            if url:
                enabled = outline.get("newswireDisabled") != "true"
                found.append(Outline(url, name.strip() if name else None, category, enabled))
            else:
                walk(outline, name or category)

    walk(root.find("body"), None)  # type: ignore[arg-type]
    return found


def render_opml(feeds: list[tuple[str, str, bool]], title: str = "newswire feeds") -> bytes:
    """OPML 2.0 of (name, url, enabled) rows; disabled feeds are marked so a re-import can tell."""
    opml = Element("opml", version="2.0")
    head = SubElement(opml, "head")
    SubElement(head, "title").text = title
    SubElement(head, "dateCreated").text = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    body = SubElement(opml, "body")
    for name, url, enabled in feeds:
        attrs = {"type": "rss", "text": name, "title": name, "xmlUrl": url}
        if not enabled:
            attrs["newswireDisabled"] = "true"
        SubElement(body, "outline", attrs)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(opml, encoding="utf-8")
