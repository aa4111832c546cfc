"""robots.txt for article pages (RFC 9309), fetched with the same guarded, polite client; cached per host."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

from services.fetcher.conditional_get import FetchError, FetchResult

CACHE_SECONDS = 24 * 3600  # RFC 9309 §2.4: cache no longer than 24 hours
Fetch = Callable[[str], FetchResult]


class RobotsCache:
    """Answers "may newswire fetch this URL?" with one robots.txt fetch per host per day."""

    def __init__(self, fetch: Fetch, user_agent: str):
        self.fetch = fetch
        self.agent = user_agent.split("/")[0]  # the product token, "newswire"
        self._rules: dict[str, tuple[float, RobotFileParser]] = {}
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}

    def allowed(self, url: str) -> bool:
        """True if robots.txt of the URL's host lets us fetch it."""
        parts = urlsplit(url)
        origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        with self._lock:
            loading = self._loading.setdefault(origin, threading.Lock())
        with loading:  # threads wanting the same host wait for one fetch of its robots.txt
            cached = self._rules.get(origin)
            if cached is None or cached[0] < time.monotonic():
                cached = (time.monotonic() + CACHE_SECONDS, self._load(origin))
                self._rules[origin] = cached
        return cached[1].can_fetch(self.agent, url)

    def _load(self, origin: str) -> RobotFileParser:
        rules = RobotFileParser(origin + "/robots.txt")
        try:
            result = self.fetch(origin + "/robots.txt")
        except FetchError as exc:
            # 4xx: no rules, everything allowed; 5xx or unreachable: assume complete disallow (§2.3.1.3-4).
            if exc.status is not None and 400 <= exc.status < 500:
                rules.allow_all = True
            else:
                rules.disallow_all = True
            return rules
        rules.parse(result.body.decode("utf-8", errors="replace").splitlines())
        return rules
