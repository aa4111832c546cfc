"""Who wrote an article page, when, under which address and picture: read from the markup publishers
fill for search engines and social cards (JSON-LD, Open Graph, meta tags, <time>), then the URL and the
visible byline. Structured data first: it is what the outlet itself says, where a layout guess is not."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

from services.parser.dates import normalise_published

ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenews", "analysisnewsarticle", "blogposting", "opinionnewsarticle",
    "backgroundnewsarticle", "report", "scholarlyarticle", "liveblogposting", "webpage", "techarticle",
}  # fmt: skip
PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "publish_date", "date", "dc.date", "dc.date.issued", "dcterms.created", "dcterms.date",
    "sailthru.date", "parsely-pub-date", "article.published", "og:published_time",
)  # fmt: skip
UPDATED_META = (
    "article:modified_time", "og:updated_time", "datemodified", "lastmod", "last-modified",
    "dcterms.modified", "article.updated", "og:modified_time", "dc.date.modified",
)  # fmt: skip
BYLINE_XPATH = (
    "//*[@rel='author' or @itemprop='author' or contains(@class,'author') or contains(@class,'byline')]"
)
AUTHOR_META = (
    "author",
    "article:author",
    "dc.creator",
    "parsely-author",
    "sailthru.author",
    "byl",
    "creator",
)
URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|-|$)")
BYLINE_PREFIX = re.compile(r"^\s*(?:by|author:|written by|автор:?|müəllif:?)\s+", re.IGNORECASE)
NOT_A_NAME = re.compile(r"https?://|@|\d{3,}|staff|editor(?:ial)?s?$|admin|newsroom", re.IGNORECASE)


@dataclass
class PageMeta:
    """What a page says about itself; every field may be missing."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    canonical_url: str | None = None
    image: str | None = None
    language: str | None = None
    site_name: str | None = None


def page_metadata(tree: lxml_html.HtmlElement, url: str | None, now: datetime | None = None) -> PageMeta:
    """Collect the page's own statements about itself, best source first for each field."""
    now = now or datetime.now(UTC)
    meta = _meta_tags(tree)
    ld = _json_ld_article(tree)
    canonical = _first(tree.xpath("//link[@rel='canonical']/@href")) or meta.get("og:url") or ld.get("url")
    canonical = _absolute(canonical, url)
    base = canonical or url
    return PageMeta(
        title=_clean(_ld_text(ld.get("headline")) or meta.get("og:title") or meta.get("twitter:title"))
        or _h1_or_title(tree),
        authors=_not_the_outlet(_authors(ld, meta, tree), meta.get("og:site_name"), base),
        published=_published(tree, ld, meta, base, now),
        updated=_date(_ld_text(ld.get("dateModified")), now)
        or _first_date((meta.get(k) for k in UPDATED_META), now),
        canonical_url=canonical,
        image=_absolute(
            _ld_image(ld.get("image")) or meta.get("og:image") or meta.get("twitter:image"), base
        ),
        language=_language_attr(tree, meta),
        site_name=_clean(meta.get("og:site_name")),
    )


def _published(
    tree: lxml_html.HtmlElement, ld: dict[str, Any], meta: dict[str, str], url: str | None, now: datetime
) -> datetime | None:
    """JSON-LD, meta tags, microdata, <time>, the URL, then a date printed near the headline."""
    itemprop = tree.xpath("//*[@itemprop='datePublished']/@content|//*[@itemprop='datePublished']/@datetime")
    return (
        _date(_ld_text(ld.get("datePublished")), now)
        or _first_date((meta.get(k) for k in PUBLISHED_META), now)
        or _date(_first(itemprop), now)
        or _date(_first(tree.xpath("//time[@datetime][1]/@datetime")), now)
        or _url_date(url)
        or _visible_date(tree, now)
    )


def _meta_tags(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """name/property/itemprop → content, first occurrence wins, keys lower-cased."""
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop") or ""
        content = (element.get("content") or "").strip()
        if key and content:
            found.setdefault(key.strip().lower(), content)
    return found


def _json_ld_article(tree: lxml_html.HtmlElement) -> dict[str, Any]:
    """The first article-like object in the page's JSON-LD, or {} (a broken block is skipped)."""
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "", strict=False)
        except (ValueError, RecursionError):  # hostile nesting costs the block, not the page (issue 7)
            continue
        for item in _walk(data):
            kinds = item.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(k, str) and k.lower() in ARTICLE_TYPES for k in kinds) and (
                item.get("headline") or item.get("datePublished")
            ):
                return item
    return {}


def _walk(data: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON-LD document, through lists and @graph, in document order (no recursion)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            yield item
            stack.append(item.get("@graph", []))


def _authors(ld: dict[str, Any], meta: dict[str, str], tree: lxml_html.HtmlElement) -> list[str]:
    """Person names from JSON-LD, meta tags, then the visible byline; organisations are not authors."""
    names: list[str] = []
    raw = ld.get("author")
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, dict) and str(item.get("@type", "Person")).lower() != "organization":
            names.append(_ld_text(item.get("name")) or "")
        elif isinstance(item, str):
            names.append(item)
    if not any(names):
        names = [meta[k] for k in AUTHOR_META if k in meta][:1]
    if not any(names):
        bylines = tree.xpath(BYLINE_XPATH)
        names = [" ".join(e.text_content().split()) for e in bylines[:1]]
    return _dedupe(n for raw_name in names for n in re.split(r"\s*(?:,|;|\band\b|&|\|)\s*", raw_name or ""))


def _not_the_outlet(names: list[str], site_name: str | None, url: str | None) -> list[str]:
    """ "By Trend", "By Azernews": the outlet credited as author is a source, not a person."""
    outlet = {re.sub(r"\W", "", (site_name or "").lower())} | set(
        urlsplit(url or "").hostname.split(".") if urlsplit(url or "").hostname else []
    )
    known = {
        "trend",
        "apa",
        "azertac",
        "azernews",
        "report",
        "reportaz",
        "newsaz",
        "reuters",
        "afp",
        "ap",
        "tass",
        "interfax",
        "rianovosti",
        "sputnik",
        "anadolu",
        "kazinform",
        "akipress",
        "uza",
        "armenpress",
    }
    return [n for n in names if re.sub(r"\W", "", n.lower()) not in outlet | known]


def _dedupe(names: Iterator[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        name = BYLINE_PREFIX.sub("", " ".join(name.split())).strip(" .-–|")
        if 2 < len(name) <= 60 and len(name.split()) <= 5 and not NOT_A_NAME.search(name):
            seen.setdefault(name.lower(), name)
    return list(seen.values())


def _h1_or_title(tree: lxml_html.HtmlElement) -> str | None:
    h1 = _first([" ".join(e.text_content().split()) for e in tree.iter("h1")])
    if h1:
        return h1
    title = _first(tree.xpath("//title/text()"))
    # "Headline - Outlet" / "Headline | Outlet": the outlet's name is not part of the headline.
    return _clean(re.split(r"\s+[-|–—]\s+(?=[^-|–—]+$)", title)[0]) if title else None


def _date(raw: str | None, now: datetime) -> datetime | None:
    if not raw:
        return None
    value, flag = normalise_published(raw, now)
    return value if flag in ("ok", "assumed_utc") else None


def _first_date(raws: Iterator[str | None], now: datetime) -> datetime | None:
    for raw in raws:
        if value := _date(raw, now):
            return value
    return None


def _url_date(url: str | None) -> datetime | None:
    match = URL_DATE.search(url or "")
    if not match:
        return None
    try:
        return datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
    except ValueError:
        return None


def _visible_date(tree: lxml_html.HtmlElement, now: datetime) -> datetime | None:
    """A date printed near the headline (class names like date/time/published), the last resort."""
    for element in tree.xpath(
        "//*[contains(@class,'date') or contains(@class,'time') or contains(@class,'publish')][not(*)]"
    )[:5]:
        text = " ".join(element.text_content().split())
        if 6 <= len(text) <= 40 and re.search(r"\d{4}", text) and (value := _date(text, now)):
            return value
    return None


def _language_attr(tree: lxml_html.HtmlElement, meta: dict[str, str]) -> str | None:
    raw = tree.get("lang") or meta.get("content-language") or meta.get("og:locale") or ""
    code = re.split(r"[-_]", raw.strip().lower())[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


def _ld_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return str(value).strip() if value else None


def _ld_image(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return str(value) if value else None


def _absolute(value: str | None, base: str | None) -> str | None:
    if not value or not value.strip():
        return None
    joined = urljoin(base or "", value.strip())
    return joined if joined.startswith(("http://", "https://")) else None


def _clean(value: str | None) -> str | None:
    return " ".join(value.split()) if value and value.strip() else None


def _first(values: list[Any]) -> Any:
    return next((v for v in values if v), None)
