"""Every fault of the real web, one route each on a loopback server, through the real fetcher
(poll_feed with real HTTP, the Redis host limiter, a real SQLite state DB)."""

from __future__ import annotations

import gzip
import socket
import subprocess
import threading
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import redis

from services.fetcher import registry
from services.fetcher.conditional_get import FetchError, build_client, fetch
from services.fetcher.models import Feed, FeedURL
from services.fetcher.network_guard import GuardedBackend, parse_networks
from services.fetcher.politeness import HostLimiter
from services.fetcher.poll import Outbox, PollOutcome, poll_feed
from shared.messages import PageRequest, RawEntry
from shared.settings import Settings
from tests.support.feed_server import FeedServer, Route

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title><link>http://x/</link>
<item><title>One</title><link>http://x/1</link><guid>g1</guid><description>first story</description></item>
</channel></rss>"""


@dataclass
class Poller:
    settings: Settings
    sessions: object
    limiter: HostLimiter
    sent: list[RawEntry] = field(default_factory=list)
    pages: list[PageRequest] = field(default_factory=list)

    def add(self, url: str, interval: int = 600) -> int:
        with self.sessions.begin() as session:  # type: ignore[attr-defined]
            return registry.add_feed(session, url, "Feed", interval).id

    def poll(self, feed_id: int, transport: httpx.BaseTransport | None = None) -> tuple[PollOutcome, Feed]:
        outbox = Outbox(to_parser=self.sent.extend, to_page_fetch=self.pages.extend)
        outcome = poll_feed(self.sessions, feed_id, self.settings, outbox, transport=transport,  # type: ignore[arg-type]
                            limiter=self.limiter)  # fmt: skip
        with self.sessions() as session:  # type: ignore[operator]
            return outcome, session.get(Feed, feed_id)


@pytest.fixture
def poller(settings: Settings, broker: redis.Redis) -> Poller:
    registry.ensure_schema(settings)
    limiter = HostLimiter(broker, max_concurrent=2, min_delay=0.0, lease=30, max_wait=30)
    return Poller(settings, registry.session_factory(settings), limiter)


def _due_in(feed: Feed) -> float:
    return (feed.next_poll_at - datetime.now(UTC)).total_seconds()


# --- redirects ------------------------------------------------------------------------------


def test_301_and_308_move_the_feed_and_keep_the_old_url(poller: Poller, feed_server: FeedServer) -> None:
    feed_server.routes["/old"] = Route(status=301, headers={"Location": "/older-still"})
    feed_server.routes["/older-still"] = Route(status=308, headers={"Location": "/new"})
    feed_server.routes["/new"] = Route(RSS)
    feed_id = poller.add(feed_server.url("/old"))
    outcome, feed = poller.poll(feed_id)
    assert (outcome.http_status, outcome.new) == (200, 1)
    assert feed.url == feed_server.url("/new")
    with poller.sessions() as session:  # type: ignore[operator]
        history = [(h.url, h.reason) for h in session.query(FeedURL).filter_by(feed_id=feed_id)]
    assert history == [(feed_server.url("/old"), f"permanent redirect to {feed_server.url('/new')}")]


@pytest.mark.parametrize("status", [302, 303, 307])
def test_temporary_redirects_keep_the_stored_url(
    poller: Poller, feed_server: FeedServer, status: int
) -> None:
    feed_server.routes["/feed"] = Route(status=status, headers={"Location": "/today"})
    feed_server.routes["/today"] = Route(RSS)
    feed_id = poller.add(feed_server.url("/feed"))
    outcome, feed = poller.poll(feed_id)
    assert outcome.new == 1 and feed.url == feed_server.url("/feed")


def test_permanent_after_temporary_does_not_move(poller: Poller, feed_server: FeedServer) -> None:
    feed_server.routes["/a"] = Route(status=302, headers={"Location": "/b"})
    feed_server.routes["/b"] = Route(status=301, headers={"Location": "/c"})
    feed_server.routes["/c"] = Route(RSS)
    feed_id = poller.add(feed_server.url("/a"))
    assert poller.poll(feed_id)[1].url == feed_server.url("/a")


def test_six_redirects_are_too_many_and_named(poller: Poller, feed_server: FeedServer) -> None:
    for i in range(6):
        feed_server.routes[f"/r{i}"] = Route(status=302, headers={"Location": f"/r{i + 1}"})
    feed_server.routes["/r6"] = Route(RSS)
    outcome, feed = poller.poll(poller.add(feed_server.url("/r0")))
    assert outcome.error and outcome.error.startswith("more than 5 redirects: ")
    assert outcome.error.endswith("302 " + feed_server.url("/r6")) and feed.error_count == 1


def test_redirect_loop_names_the_chain(poller: Poller, feed_server: FeedServer) -> None:
    feed_server.routes["/a"] = Route(status=301, headers={"Location": "/b"})
    feed_server.routes["/b"] = Route(status=302, headers={"Location": "/a"})
    outcome, feed = poller.poll(poller.add(feed_server.url("/a")))
    a, b = feed_server.url("/a"), feed_server.url("/b")
    assert outcome.error == f"redirect loop: {a} -> 301 {b} -> 302 {a}"
    assert feed.url == a  # a failed fetch moves nothing


@pytest.mark.security
def test_redirect_to_a_private_address_is_refused_before_connecting(
    poller: Poller, feed_server: FeedServer
) -> None:
    feed_server.routes["/feed"] = Route(status=302, headers={"Location": "http://10.0.0.1/admin"})
    outcome, _feed = poller.poll(poller.add(feed_server.url("/feed")))
    assert outcome.error and outcome.error.startswith("refused: http://10.0.0.1/admin")
    assert [path for path, _h in feed_server.requests] == ["/feed"]


# --- status codes and network faults -------------------------------------------------------------


def test_304_reads_no_body_and_sends_nothing(poller: Poller, feed_server: FeedServer) -> None:
    feed_server.routes["/feed"] = Route(RSS)
    feed_id = poller.add(feed_server.url("/feed"))
    poller.poll(feed_id)
    outcome, feed = poller.poll(feed_id)
    assert outcome.http_status == 304 and feed_server.not_modified == 1
    assert len(poller.sent) + len(poller.pages) == 1 and feed.error_count == 0


def test_410_gone_disables_the_feed_with_the_reason(poller: Poller, feed_server: FeedServer) -> None:
    feed_server.routes["/feed"] = Route(status=410)
    feed_id = poller.add(feed_server.url("/feed"))
    _outcome, feed = poller.poll(feed_id)
    assert not feed.enabled and feed.disabled_reason.startswith("HTTP 410 Gone on ")
    assert feed.status(10) == "gone"
    with poller.sessions() as session:  # type: ignore[operator]
        assert registry.due_feeds(session, datetime.now(UTC) + timedelta(days=365)) == []


@pytest.mark.parametrize("status", [404, 500, 502, 503])
def test_http_errors_back_off_exponentially_and_success_resets(
    poller: Poller, feed_server: FeedServer, status: int
) -> None:
    feed_server.routes["/feed"] = Route(status=status)
    feed_id = poller.add(feed_server.url("/feed"), interval=600)
    waits = []
    for _ in range(4):
        outcome, feed = poller.poll(feed_id)
        waits.append(_due_in(feed))
    reasons = {404: "Not Found", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    assert outcome.error == f"HTTP {status} {reasons[status]}"
    assert feed.error_count == 4 and feed.status(10) == "backing off"
    for n, wait in enumerate(waits, start=1):  # 600 s · 2^(n-1), ±25 % jitter
        assert 600 * 2 ** (n - 1) * 0.74 <= wait <= 600 * 2 ** (n - 1) * 1.26
    feed_server.routes["/feed"] = Route(RSS)
    _outcome, feed = poller.poll(feed_id)
    assert feed.error_count == 0 and feed.last_error is None and 590 <= _due_in(feed) <= 600


def test_backoff_is_capped_and_broken_after_n(
    poller: Poller, feed_server: FeedServer, settings: Settings
) -> None:
    poller.settings = settings.model_copy(update={"broken_after": 3, "backoff_cap_seconds": 3600})
    feed_server.routes["/feed"] = Route(status=500)
    feed_id = poller.add(feed_server.url("/feed"), interval=3600)
    for _ in range(3):
        _outcome, feed = poller.poll(feed_id)
    assert feed.status(3) == "broken" and feed.enabled  # reported, never dropped
    assert _due_in(feed) <= 3600


@pytest.mark.parametrize(
    ("status", "header", "at_least"),
    [
        pytest.param(429, "7200", 7190, id="429-seconds"),
        pytest.param(503, "86400", 86390, id="503-seconds"),
        pytest.param(429, "HTTP-DATE", 3 * 3600 - 10, id="429-http-date"),
    ],
)
def test_retry_after_is_honoured(poller: Poller, feed_server: FeedServer, status: int, header: str,
                                 at_least: int) -> None:  # fmt: skip
    if header == "HTTP-DATE":
        header = (datetime.now(UTC) + timedelta(hours=3)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    feed_server.routes["/feed"] = Route(status=status, headers={"Retry-After": header})
    _outcome, feed = poller.poll(poller.add(feed_server.url("/feed"), interval=600))
    assert _due_in(feed) >= at_least


def test_refused_connection_counts_and_backs_off(poller: Poller) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens here once closed
    outcome, feed = poller.poll(poller.add(f"http://127.0.0.1:{port}/feed"))
    assert outcome.error.startswith("connection failed") and feed.error_count == 1 and _due_in(feed) > 400


def test_dns_failure_is_one_line(poller: Poller) -> None:
    def no_such_host(host: str, port: int):  # type: ignore[no-untyped-def]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    transport = httpx.HTTPTransport()
    transport._pool._network_backend = GuardedBackend(parse_networks(["127.0.0.0/8"]), resolver=no_such_host)
    outcome, feed = poller.poll(poller.add("http://feeds.invalid/rss"), transport=transport)
    assert outcome.error.startswith("DNS lookup failed") and "\n" not in outcome.error
    assert feed.error_count == 1


def test_read_timeout(poller: Poller, feed_server: FeedServer, settings: Settings) -> None:
    poller.settings = settings.model_copy(update={"http_read_timeout": 0.5})
    feed_server.routes["/feed"] = Route(RSS, hang=3)
    outcome, feed = poller.poll(poller.add(feed_server.url("/feed")))
    assert outcome.error == "timed out (ReadTimeout)" and feed.error_count == 1


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import ssl

    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(RSS)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}/feed"
    httpd.shutdown()


def test_tls_error_is_named(poller: Poller, tls_server: str) -> None:
    outcome, feed = poller.poll(poller.add(tls_server))
    assert outcome.error.startswith("TLS error") and "CERTIFICATE_VERIFY_FAILED" in outcome.error
    assert feed.error_count == 1


# --- bodies ------------------------------------------------------------------------------------


@pytest.mark.security
def test_trickling_body_is_cut_at_the_total_deadline(
    poller: Poller, feed_server: FeedServer, settings: Settings
) -> None:
    poller.settings = settings.model_copy(update={"http_total_timeout": 2.0, "http_read_timeout": 5.0})
    feed_server.routes["/feed"] = Route(trickle=0.2)
    started = time.monotonic()
    outcome, _feed = poller.poll(poller.add(feed_server.url("/feed")))
    assert outcome.error == "took longer than 2 s in total (slow body)"
    assert time.monotonic() - started < 3.0


@pytest.mark.security
def test_endless_body_is_cut_at_the_cap(poller: Poller, feed_server: FeedServer, settings: Settings) -> None:
    poller.settings = settings.model_copy(update={"http_max_body_bytes": 1_000_000})
    feed_server.routes["/feed"] = Route(endless=True)
    outcome, _feed = poller.poll(poller.add(feed_server.url("/feed")))
    assert outcome.error == "body exceeds the 1000000-byte cap"


@pytest.mark.security
def test_gzip_bomb_is_capped_on_its_decompressed_size_with_bounded_memory(
    settings: Settings, feed_server: FeedServer
) -> None:
    bomb = gzip.compress(b"\0" * 200_000_000, compresslevel=9)  # ~200 KB on the wire, 200 MB inflated
    feed_server.routes["/bomb"] = Route(encoded=bomb)
    tracemalloc.start()
    try:
        with (
            build_client(settings, parse_networks(["127.0.0.0/8"])) as client,
            pytest.raises(FetchError, match="cap"),
        ):
            fetch(client, feed_server.url("/bomb"), max_bytes=5_000_000, total_timeout=20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(bomb) < 300_000
    assert peak < 25_000_000, f"peak {peak / 1e6:.1f} MB while reading a bomb capped at 5 MB"


CYRILLIC = "Министр обороны Закир Гасанов встретился с коллегой из Узбекистана"


def _feed_in(encoding: str, declared: str | None) -> bytes:
    decl = f' encoding="{declared}"' if declared else ""
    text = (f'<?xml version="1.0"{decl}?><rss version="2.0"><channel><title>Новости</title>'
            f"<item><title>{CYRILLIC}</title><guid>c1</guid><description>{CYRILLIC}.</description></item>"
            "</channel></rss>")  # fmt: skip
    return text.encode(encoding)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(_feed_in("cp1251", "windows-1251"), "application/rss+xml", id="windows-1251-declared"),
        pytest.param(_feed_in("koi8-r", "koi8-r"), "text/xml", id="koi8-r-declared"),
        pytest.param(
            _feed_in("utf-8", "windows-1251"), "text/xml; charset=windows-1251", id="utf8-labelled-1251"
        ),
        pytest.param(_feed_in("cp1251", "utf-8"), "text/xml; charset=utf-8", id="1251-labelled-utf8"),
        pytest.param(
            b"\xef\xbb\xbf" + _feed_in("utf-8", None), "text/xml; charset=windows-1251", id="utf8-bom"
        ),
        pytest.param(_feed_in("cp1251", None), "text/xml", id="1251-unlabelled"),
    ],
)
def test_regional_charsets_decode(
    poller: Poller, feed_server: FeedServer, body: bytes, content_type: str
) -> None:
    feed_server.routes["/feed"] = Route(body, content_type=content_type)
    outcome, _feed = poller.poll(poller.add(feed_server.url("/feed")))
    assert outcome.error is None
    entry = (poller.sent + [p.entry for p in poller.pages])[0]
    assert entry.title == CYRILLIC


# --- not a feed, ill-formed feeds, odd entries ------------------------------------------------------


def test_html_page_with_autodiscovery_is_followed(poller: Poller, feed_server: FeedServer) -> None:
    page = b'<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head></html>'
    feed_server.routes["/"] = Route(page, content_type="text/html")
    feed_server.routes["/rss.xml"] = Route(RSS)
    outcome, feed = poller.poll(poller.add(feed_server.url("/")))
    assert outcome.error is None and outcome.new == 1
    assert feed.last_warning.startswith("the feed URL serves an HTML page; read the feed it announces")


def test_html_page_without_a_feed_is_a_clear_error(poller: Poller, feed_server: FeedServer) -> None:
    feed_server.routes["/"] = Route(b"<html><body><h1>Welcome</h1></body></html>", content_type="text/html")
    outcome, feed = poller.poll(poller.add(feed_server.url("/")))
    assert outcome.error == "not a feed (an HTML page that links no RSS or Atom feed)"
    assert feed.error_count == 1


def test_ill_formed_feed_keeps_its_entries_with_a_warning(poller: Poller, feed_server: FeedServer) -> None:
    bozo = RSS.replace(b"<title>One</title>", b"<title>One & two</title>")  # a bare ampersand
    feed_server.routes["/feed"] = Route(bozo)
    outcome, feed = poller.poll(poller.add(feed_server.url("/feed")))
    assert outcome.error is None and outcome.new == 1
    assert feed.last_warning.startswith("ill-formed feed, entries kept")


def test_odd_entries(poller: Poller, feed_server: FeedServer) -> None:
    items = [
        "<item><title>No guid</title><link>/news/1</link><description>a</description></item>",
        "<item><title>Same guid, first</title><guid>dup</guid><description>b</description></item>",
        "<item><title>Same guid, second</title><guid>dup</guid><description>c</description></item>",
        "<item><title>Home link A</title><link>/</link><description>d</description></item>",
        "<item><title>Home link B</title><link>/</link><description>e</description></item>",
        "<item><title>Script link</title><link>javascript:alert(1)</link><guid>js</guid>"
        "<description>f</description></item>",
    ]
    feed = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{"".join(items)}</channel></rss>'
    )
    feed_server.routes["/feed"] = Route(feed.encode())
    outcome, _feed = poller.poll(poller.add(feed_server.url("/feed")))
    entries = {e.title: e for e in poller.sent + [p.entry for p in poller.pages]}
    assert outcome.seen == 5 and set(entries) == {
        "No guid", "Same guid, first", "Home link A", "Home link B", "Script link"
    }  # fmt: skip
    assert entries["No guid"].link == feed_server.url("/news/1")  # made absolute
    assert entries["No guid"].entry_key == feed_server.url("/news/1")
    assert entries["Home link A"].entry_key != entries["Home link B"].entry_key  # link + title
    assert entries["Script link"].link is None  # never stored or followed
    assert all(e.published_raw is None for e in entries.values())  # the parser falls back to fetch time


@pytest.mark.parametrize(
    ("extra_xml", "headers", "expected"),
    [
        pytest.param("<ttl>120</ttl>", {}, 7200, id="rss-ttl"),
        pytest.param(
            "<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>",
            {},
            21600,
            id="sy-update-period",
        ),
        pytest.param("", {"Cache-Control": "public, max-age=5400"}, 5400, id="cache-control"),
        pytest.param("<ttl>1</ttl>", {"Cache-Control": "max-age=10"}, 600, id="never-below-the-floor"),
        pytest.param("<ttl>100000</ttl>", {}, 86400, id="capped"),
    ],
)
def test_hints_lengthen_the_interval(poller: Poller, feed_server: FeedServer, extra_xml: str,
                                     headers: dict, expected: int) -> None:  # fmt: skip
    body = RSS.replace(
        b"<rss version", b'<rss xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" version'
    )
    body = body.replace(b"<title>T</title>", b"<title>T</title>" + extra_xml.encode())
    feed_server.routes["/feed"] = Route(body, headers=headers)
    _outcome, feed = poller.poll(poller.add(feed_server.url("/feed"), interval=600))
    assert expected - 10 <= _due_in(feed) <= expected


def test_expires_header_is_a_hint(poller: Poller, feed_server: FeedServer) -> None:
    expires = (datetime.now(UTC) + timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    feed_server.routes["/feed"] = Route(RSS, headers={"Expires": expires})
    _outcome, feed = poller.poll(poller.add(feed_server.url("/feed"), interval=600))
    assert 7100 <= _due_in(feed) <= 7200
