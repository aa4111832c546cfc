"""Article URLs in two forms: a clean one to show and link (`canonical_url`), and an identity key
(`url_key`) under which every spelling of one article's address is the same story: scheme, host case,
www/m/amp hosts, AMP paths, trailing slashes, tracking parameters and parameter order do not count."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Parameters that say how a reader arrived, never which article it is (utm_* is Google Analytics'
# convention; fbclid/gclid/yclid/msclkid are the ad networks' click ids; mc_* Mailchimp's).
TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "yclid", "msclkid", "mc_cid", "mc_eid", "_ga", "ref_src",
                   "igshid", "cmpid", "from", "share", "amp", "outputtype", "rss", "ref")  # fmt: skip
# Hosts that serve the same articles as the main site: mobile and AMP mirrors.
MIRROR_HOST = re.compile(r"^(?:www\d?|m|mobile|amp|touch)\.")
AMP_PATH = re.compile(r"(?:/amp|\.amp)(?=/?$)|^/amp(?=/)")
# Identity keys are indexed columns: PostgreSQL refuses a btree entry over ~2.7 kB and the key columns
# hold 2,048. URLs have no such limit (RFC 9110 section 4.1 asks for at least 8,000 octets).
MAX_KEY_BYTES = 2048


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", urlencode(_kept_query(parts.query)), ""))


def url_key(url: str) -> str:
    """The identity of the article at this address: "azernews.az/nation/1.html" for
    https://m.Azernews.az/nation/1.html/amp?utm_source=rss and every other spelling of it."""
    parts = urlsplit(url.strip())
    host = MIRROR_HOST.sub("", (parts.hostname or "").lower().rstrip("."))
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = AMP_PATH.sub("", parts.path or "/").rstrip("/") or "/"
    query = urlencode(sorted(_kept_query(parts.query)))
    return f"{host}{path}" + (f"?{query}" if query else "")


def _kept_query(query: str) -> list[tuple[str, str]]:
    return [
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if not key.lower().startswith(TRACKING_PARAMS)
    ]


def bounded_key(key: str) -> str:
    """The key itself when it fits an indexed column, else its head and a SHA-256 of the whole (still one
    key per distinct value, and every key that fitted before is unchanged)."""
    raw = key.encode("utf-8")
    if len(raw) <= MAX_KEY_BYTES:
        return key
    head = raw[: MAX_KEY_BYTES - 72].decode("utf-8", "ignore")
    return f"{head}~sha256:{hashlib.sha256(raw).hexdigest()}"
