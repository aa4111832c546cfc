"""A real HTTP server on 127.0.0.1 serving feeds with ETag/Last-Modified, for tests and trials."""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """What one path answers: a body and headers, or a status."""

    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    last_modified: str = "Tue, 29 Oct 2019 14:10:00 GMT"
    gzip: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    encoded: bytes | None = None  # sent as-is with Content-Encoding: gzip (a prepared bomb)
    trickle: float | None = None  # seconds between single bytes, forever
    endless: bool = False  # 64 KiB chunks, forever
    hang: float | None = None  # seconds to sit silent before answering

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


class FeedServer:
    """Serves routes on a free loopback port; counts requests and 304s per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.not_modified = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.starts: list[float] = []  # monotonic time each request arrived
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    server.starts.append(time.monotonic())
                    server.requests.append((self.path, dict(self.headers)))
                try:
                    self._answer()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self) -> None:
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    self.send_error(404)
                    return
                if route.status != 200:
                    self.send_response(route.status)
                    for key, value in route.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.hang:
                    time.sleep(route.hang)
                if route.trickle or route.endless or route.encoded is not None:
                    self._special(route)
                    return
                if self.headers.get("If-None-Match") == route.etag:
                    server.not_modified += 1
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                body = route.body
                self.send_response(200)
                self.send_header("Content-Type", route.content_type)
                self.send_header("ETag", route.etag)
                self.send_header("Last-Modified", route.last_modified)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                if route.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
                    body = gzip.compress(body)
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _special(self, route: Route) -> None:
                self.send_response(200)
                self.send_header("Content-Type", route.content_type)
                if route.encoded is not None:
                    self.send_header("Content-Encoding", "gzip")
                    self.send_header("Content-Length", str(len(route.encoded)))
                    self.end_headers()
                    self.wfile.write(route.encoded)
                    return
                self.end_headers()
                chunk = b"<" if route.trickle else b"x" * 65536
                while True:  # until the client gives up and the write fails
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    if route.trickle:
                        time.sleep(route.trickle)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


if __name__ == "__main__":  # serve the sample feed for a manual trial: python -m tests.support.feed_server
    import pathlib
    import time

    with FeedServer() as srv:
        srv.routes["/rss/Azerbaijan.xml"] = Route(
            pathlib.Path(__file__).parents[1].joinpath("fixtures/azernews-sample.rss").read_bytes()
        )
        print(srv.url("/rss/Azerbaijan.xml"), flush=True)
        while True:
            time.sleep(3600)
