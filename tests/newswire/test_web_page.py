"""The analysts' page in a real headless Chromium (Debian's, driven by Playwright's client library)
against `newswire api` serving a DB filled by the real pipeline, a hostile feed entry included."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from newswire.api.app import CSP
from newswire.once import run_once
from services.fetcher import registry
from shared.celery_app import create_app
from shared.redis_client import redis_client
from shared.settings import Settings
from tests.newswire import test_api
from tests.newswire.test_api import SAMPLE_TITLE, start_api
from tests.support.feed_server import FeedServer, Route

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # the test extra installs it; without it the test fails and says so
    sync_playwright = None

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.security]  # hostile entry
filled = test_api.filled  # the sample site through the real pipeline, on SQLite and on PostgreSQL

CHROMIUM = Path("/usr/bin/chromium")
HOSTILE_TITLE = "Azerbaijan defense ministry reports border drills"
CARPET_TITLE = "Baku to host international carpet exhibition"
HOSTILE_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
<title>Evil Wire</title><link>{base}/</link><description>A feed that tries to run script in the page</description>
<item>
<title>{title}</title>
<link>{base}/evil/1.html</link>
<guid isPermaLink="false">evil-wire-1</guid>
<pubDate>Tue, 29 Oct 2019 20:30:00 +0400</pubDate>
<description>The Defense Ministry of Azerbaijan reported border security drills.</description>
<content:encoded><![CDATA[<p>The Defense Ministry of Azerbaijan reported that military units held border security drills near Ganja on October 29.</p><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"><p onmouseover="window.__pwned=3">Tank crews and artillery units of the Azerbaijani army took part in the military exercise, the ministry said in a statement.</p><a href="javascript:window.__pwned=4">more</a>]]></content:encoded>
</item>
</channel>
</rss>"""
# Script the test itself puts into the page: the CSP must refuse every one of them.
INJECT = """() => new Promise((resolve) => {
  const refused = [];
  document.addEventListener("securitypolicyviolation", (e) => refused.push(e.effectiveDirective));
  const box = document.getElementById("article-original");
  box.insertAdjacentHTML("beforeend",
    '<img src="data:," onerror="window.__pwned=5" onload="window.__pwned=6">');
  const script = document.createElement("script");
  script.textContent = "window.__pwned = 7";
  document.body.append(script);
  setTimeout(() => resolve(refused), 500);
})"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless. Missing is a failure (CI installs it), never a skip."""
    if sync_playwright is None:
        pytest.fail("the playwright package is missing: pip install -e '.[test]' (or pip install playwright)")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def hostile(filled: Settings, feed_server: FeedServer) -> Settings:
    """`filled` plus one entry from a feed that tries to run script, stored by the same running workers."""
    body = HOSTILE_FEED.format(base=feed_server.base_url, title=HOSTILE_TITLE)
    feed_server.routes["/evil.xml"] = Route(body.encode())
    with registry.session_factory(filled).begin() as session:
        registry.add_feed(session, feed_server.url("/evil.xml"), "Evil Wire", 600, "summary")
    app = create_app(filled)
    try:
        with app.producer_or_acquire() as producer:
            summary = run_once(
                filled,
                lambda name, args: app.send_task(name, args=args, producer=producer),
                redis_client(filled.redis_url or ""),
                lambda: None,  # the workers belong to `filled`'s supervisor
            )
    finally:
        app.close()
    assert summary.stored_total == 6, summary
    return filled


@pytest.fixture
def api(hostile: Settings) -> Iterator[httpx.Client]:
    yield from start_api(hostile)


class Watch:
    """Every request, console error and uncaught exception of one page."""

    def __init__(self, page: Page) -> None:
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def foreign_requests(self) -> list[str]:
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).hostname != "127.0.0.1"
        ]

    def errors_besides_csp(self) -> list[str]:
        return [m for m in self.console_errors if "Content Security Policy" not in m] + self.page_errors


def search(page: Page, **fields: str) -> None:
    """Fill the form as a person would and submit it."""
    for test_id, value in fields.items():
        box = page.get_by_test_id(test_id.replace("_", "-"))
        if test_id.endswith("select"):
            box.select_option(value)
        else:
            box.fill(value)
    page.get_by_test_id("search-button").click()


def test_the_page_in_chromium(browser: Browser, api: httpx.Client) -> None:
    base = str(api.base_url).rstrip("/")
    by_title = {a["title"] + "|" + a["source"]: a["id"] for a in api.get("/articles").json()["items"]}
    sample_id, trend_id = by_title[SAMPLE_TITLE + "|Azernews"], by_title[SAMPLE_TITLE + "|Trend"]
    hostile_id = by_title[HOSTILE_TITLE + "|Evil Wire"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch = Watch(page)
    items = page.get_by_test_id("article-item")
    try:
        # The list, newest first, with chips; the page and its files carry the CSP.
        response = page.goto(base + "/")
        assert response is not None and response.headers["content-security-policy"] == CSP
        expect(items).to_have_count(6)
        expect(items.first).to_contain_text(HOSTILE_TITLE)
        sample_item = items.filter(has_text=SAMPLE_TITLE).filter(has_text="Azernews")
        expect(sample_item.locator("[data-label=defense]")).to_contain_text("defense")
        expect(sample_item.locator("[data-country=AZ]")).to_have_text("AZ")
        expect(page.get_by_test_id("source-select").locator("option")).to_have_count(4)  # any, 3 outlets
        expect(page.get_by_test_id("chart-empty")).to_be_visible()  # 2019's stories: not in the last 90 days

        # A text search: exactly the carpet story, its snippet marked; the URL holds the query.
        search(page, search_input="carpet")
        expect(items).to_have_count(1)
        expect(items.first.locator("h3")).to_have_text(CARPET_TITLE)
        expect(items.first.locator(".snippet mark").first).to_have_text(re.compile("carpet", re.IGNORECASE))
        assert urlsplit(page.url).query == "q=carpet"

        # Label and country filters with a date range: what the API answers, in the list and the exports.
        search(page, search_input="", label_select="defense", country_input="az", since_input="2019-10-01",
               until_input="2019-10-31")  # fmt: skip
        expect(page).to_have_url(re.compile(r"\?label=defense&country=AZ&since=2019-10-01&until=2019-10-31$"))
        expected = api.get("/articles", params={"label": "defense", "country": "AZ", "since": "2019-10-01",
                                                "until": "2019-11-01"}).json()["items"]  # fmt: skip
        assert {a["title"] for a in expected} == {SAMPLE_TITLE, HOSTILE_TITLE}
        expect(items).to_have_count(len(expected))
        expect(items.locator("[data-label=defense]")).to_have_count(len(expected))
        expect(items.locator("[data-country=AZ]")).to_have_count(len(expected))
        csv_link = page.get_by_test_id("export-csv").get_attribute("href") or ""
        assert "label=defense" in csv_link and "country=AZ" in csv_link
        rows = list(csv.DictReader(io.StringIO(api.get(csv_link).text)))
        assert sorted(r["id"] for r in rows) == sorted(str(a["id"]) for a in expected)
        for test_id in ("export-rss", "export-atom"):
            assert api.get(page.get_by_test_id(test_id).get_attribute("href") or "").status_code == 200

        # The chart of the chosen range: SVG drawn with DOM APIs, one series per label shown.
        bars = page.locator("[data-testid=chart-svg] [data-testid=chart-bar], [data-testid=chart-point]")
        expect(bars.first).to_be_visible()
        assert bars.count() >= 1
        expect(page.locator("[data-testid=chart-svg] text", has_text="stories")).to_have_count(1)
        expect(page.get_by_test_id("chart-bar").first).to_have_attribute("data-label", "defense")

        # The sample story: evidence marked in the text, the cluster names the other outlet.
        sample_item.locator("h3 a").click()
        expect(page).to_have_url(re.compile(f"#article={sample_id}$"))
        view = page.get_by_test_id("article-view")
        expect(view).to_be_visible()
        expect(page.get_by_test_id("article-title")).to_have_text(SAMPLE_TITLE)
        evidence = page.locator("#article-text mark.evidence", has_text="Colonel General Zakir Hasanov")
        expect(evidence).to_have_count(1)
        expect(evidence).to_have_class(re.compile(r"\bevidence-defense\b"))
        expect(page.get_by_test_id("evidence-terms").first).to_contain_text("colonel general")
        cluster = page.get_by_test_id("cluster-line")
        expect(cluster).to_contain_text("Also reported by:")
        expect(cluster.get_by_test_id("cluster-link")).to_have_text("Trend")
        expect(page.get_by_test_id("cluster-first")).to_contain_text("Azernews published this story first")
        expect(page.get_by_test_id("article-people")).to_contain_text("Colonel General Zakir Hasanov")
        expect(page.get_by_test_id("article-events")).to_contain_text("agreement signed")

        # The other outlet's copy, from the cluster: the first publisher is marked there.
        cluster.get_by_test_id("cluster-link").click()
        expect(page).to_have_url(re.compile(f"#article={trend_id}$"))
        expect(page.get_by_test_id("article-meta")).to_contain_text("Trend")
        expect(page.get_by_test_id("cluster-line")).to_contain_text("Azernews")
        expect(page.get_by_test_id("cluster-line").locator(".badge-first")).to_have_text("first")

        # A bookmark: filters and the open story come back from the address alone.
        page.goto(f"{base}/?label=defense&country=AZ&since=2019-10-01&until=2019-10-31#article={sample_id}")
        expect(page.get_by_test_id("article-title")).to_have_text(SAMPLE_TITLE)
        expect(page.get_by_test_id("label-select")).to_have_value("defense")
        expect(page.get_by_test_id("country-input")).to_have_value("AZ")
        expect(items).to_have_count(len(expected))
        page.goto(f"{base}/?article={trend_id}")
        expect(page.get_by_test_id("article-meta")).to_contain_text("Trend")

        # Keyboard: Enter on a story opens it, Escape closes it and gives the focus back.
        page.goto(f"{base}/?limit=2")
        expect(items).to_have_count(2)
        first_link = items.first.locator("h3 a")
        first_link.focus()
        page.keyboard.press("Enter")
        expect(view).to_be_visible()
        page.keyboard.press("Escape")
        expect(view).to_be_hidden()
        expect(first_link).to_be_focused()
        # "More" follows next_cursor until the end.
        more = page.get_by_test_id("more-button")
        for shown in (4, 6):
            more.click()
            expect(items).to_have_count(shown)
        expect(more).to_be_hidden()
        ids = [item.get_attribute("data-id") for item in items.all()]
        assert len(set(ids)) == 6

        # The hostile story with its original formatting: nothing of the feed's script runs.
        page.goto(f"{base}/#article={hostile_id}")
        expect(page.get_by_test_id("article-title")).to_have_text(HOSTILE_TITLE)
        page.get_by_test_id("toggle-original").check()
        original = page.get_by_test_id("article-original")
        expect(original).to_be_visible()
        expect(original).to_contain_text("Tank crews and artillery units")
        expect(page.get_by_test_id("article-text")).to_be_hidden()
        expect(original.locator(".image-link")).to_have_text("[image]")  # shown as a link, never loaded
        assert (
            original.locator("script, img, iframe, [onerror], [onmouseover], [href^=javascript]").count() == 0
        )
        original.locator("p").last.hover()
        page.wait_for_timeout(300)
        assert page.evaluate("() => window.__pwned") is None
        # And were such markup to reach the page, the CSP refuses it: handlers and inline script alike.
        refused = page.evaluate(INJECT)
        assert "script-src-attr" in refused and "script-src-elem" in refused, refused
        assert page.evaluate("() => window.__pwned") is None

        # A narrow window: the story replaces the list, nothing wider than the screen.
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/#article={sample_id}")
        expect(page.get_by_test_id("article-title")).to_have_text(SAMPLE_TITLE)
        expect(page.get_by_test_id("article-list")).to_be_hidden()
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        page.get_by_test_id("close-article").click()
        expect(items.first).to_be_visible()

        assert watch.foreign_requests() == []
        assert any(urlsplit(url).path == "/static/app.js" for url in watch.requests)
        assert watch.errors_besides_csp() == []
    finally:
        context.close()
