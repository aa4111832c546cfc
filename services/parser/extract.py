"""An article page in, its story out: title, main text, authors, dates, canonical URL, lead image and
language. The body comes from trafilatura (the best open extractor on bench/extraction, see its README),
then newswire's own clean-up of what trafilatura keeps and news readers do not want (bylines, datelines
and "read also" lines repeated as body); the metadata comes from page_metadata."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from lxml import html as lxml_html
from trafilatura import bare_extraction
from trafilatura.htmlprocessing import build_html_output
from trafilatura.readability_lxml import Document as ReadabilityDocument
from trafilatura.utils import load_html

from services.parser.language import detect_language
from services.parser.page_metadata import PageMeta, page_metadata
from services.parser.sanitize import sanitize_html
from services.parser.text import html_to_text

# Lines that outlets put inside the article container but that are not the story (issue 4).
BOILERPLATE_LINE = re.compile(
    r"^(?:read (?:also|more)|related|see also|follow us|subscribe|share (?:this|on)|source:|photo:|"
    r"follow (?:us|azernews|trend)|©|copyright|all rights reserved|click here|advertisement|"
    r"читайте также|подписывайтесь|поделиться|oxu(?:yun)? həmçinin)\b.{0,120}$",
    re.IGNORECASE,
)
MIN_BODY_CHARS = 200  # a shorter body from trafilatura is checked against the fallback extractor


@dataclass(frozen=True)
class Extracted:
    """One article page, as `newswire extract` prints it."""

    title: str | None
    text: str
    html: str = field(repr=False)
    authors: list[str]
    published: datetime | None
    updated: datetime | None
    canonical_url: str | None
    image: str | None
    language: str | None

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape: dates in ISO 8601, no HTML."""
        data = asdict(self)
        data.pop("html")
        for key in ("published", "updated"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def extract(html: bytes | str, url: str | None = None) -> Extracted:
    """Extract one page; the text is empty only when the page holds no readable prose at all."""
    tree = load_html(html)
    if tree is None:
        return Extracted(None, "", "", [], None, None, None, None, None)
    meta = page_metadata(tree, url)
    body_html = _body_html(tree, html, url)
    text = _strip_repeats(html_to_text(body_html), meta)
    return Extracted(
        title=meta.title,
        text=text,
        html=sanitize_html(body_html),
        authors=meta.authors,
        published=meta.published,
        updated=meta.updated,
        canonical_url=meta.canonical_url,
        image=meta.image,
        language=detect_language(text or (meta.title or ""), meta.language),
    )


def _body_html(tree: lxml_html.HtmlElement, raw: bytes | str, url: str | None) -> str:
    """trafilatura first; when it finds little or nothing, the readability port it ships is asked too
    and the longer answer wins, so a real article never comes back empty."""
    document = bare_extraction(
        tree, url=url, include_comments=False, include_tables=True, fast=True, with_metadata=False
    )
    best = build_html_output(document) if document is not None and document.text else ""
    if len(html_to_text(best)) >= MIN_BODY_CHARS:
        return best
    fallback = _readability(raw)
    return fallback if len(html_to_text(fallback)) > len(html_to_text(best)) else best


def _readability(raw: bytes | str) -> str:
    try:
        fresh = load_html(raw)
        return ReadabilityDocument(fresh).summary() if fresh is not None else ""
    except Exception:  # a fallback must never turn a thin page into a failure
        return ""


def _strip_repeats(text: str, meta: PageMeta) -> str:
    """Drop lines that repeat the headline, the byline or the date, and "read also" style lines."""
    names = {a.lower() for a in meta.authors}
    title = (meta.title or "").strip().lower()
    kept = []
    for line in text.split("\n"):
        flat = line.strip()
        lowered = flat.lower().removeprefix("by ").strip()
        if not flat or lowered == title or lowered in names or BOILERPLATE_LINE.match(flat):
            continue
        kept.append(flat)
    return "\n".join(kept)
