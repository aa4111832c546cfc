"""The API's key rules, decided from its bind: checked in-process (no socket is opened here, so the
off-loopback bind needs no off-loopback address)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from newswire.api.security import loopback_bind


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch, tmp_path) -> TestClient:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NEWSWIRE_DATA_DIR", str(tmp_path))
    from newswire.api.app import app
    from services.store import repository
    from shared.settings import Settings

    repository.ensure_schema(Settings())

    return TestClient(app)


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", True), ("127.9.9.9", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("10.0.0.5", False), ("::", False), ("api.example.org", False)],
)  # fmt: skip
def test_loopback_bind(host: str, expected: bool) -> None:
    assert loopback_bind(host) is expected


def test_off_loopback_reads_need_the_key(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_API_HOST", "0.0.0.0")
    monkeypatch.setenv("NEWSWIRE_API_KEY", "s3cret")
    assert client.get("/articles").status_code == 401
    assert client.get("/articles.rss").status_code == 401
    assert client.get("/articles", headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.get("/healthz").status_code in (200, 503)  # health stays open for orchestrators
    assert client.get("/articles.rss", params={"key": "s3cret"}).status_code == 200
    assert client.get("/articles", headers={"X-API-Key": "s3cret"}).json() == {
        "items": [],
        "next_cursor": None,
    }


def test_off_loopback_without_a_key_refuses_reads(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSWIRE_API_HOST", "0.0.0.0")
    answer = client.get("/articles")
    assert answer.status_code == 503 and "NEWSWIRE_API_KEY" in answer.text


def test_write_key_is_never_taken_from_the_url(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_API_KEY", "s3cret")
    assert (
        client.post("/feeds", params={"key": "s3cret"}, json={"url": "http://127.0.0.1:9/x"}).status_code
        == 401
    )
