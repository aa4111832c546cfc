"""docker-compose.yml and the Dockerfile, checked by reading (this machine has no Docker engine)."""

import importlib
import re
from pathlib import Path

import pytest
import yaml

from shared.queues import QUEUES
from shared.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
CELERY_ROLES = ["fetcher", "parser", "store", "beat", "flower"]


def test_every_role_is_there() -> None:
    assert {"redis", "postgres", "migrate", *CELERY_ROLES} <= set(SERVICES)


@pytest.mark.parametrize("role", CELERY_ROLES)
def test_celery_commands_name_real_apps_and_queues(role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_REDIS_URL", SERVICES[role]["environment"]["NEWSWIRE_REDIS_URL"])
    get_settings.cache_clear()
    command = SERVICES[role]["command"]
    assert command[:2] == ["celery", "-A"]
    module, _, attr = command[2].partition(":")
    assert hasattr(importlib.import_module(module), attr)
    if "-Q" in command:
        assert command[command.index("-Q") + 1] in QUEUES


def test_workers_consume_each_queue_once() -> None:
    consumed = [
        s["command"][s["command"].index("-Q") + 1] for s in SERVICES.values() if "-Q" in s.get("command", [])
    ]
    assert sorted(consumed) == sorted(QUEUES)


def test_redis_keeps_queued_work_and_never_evicts() -> None:
    redis = SERVICES["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command and "--maxmemory-policy noeviction" in command
    assert any(v.endswith(":/data") for v in redis["volumes"])
    assert "healthcheck" in redis and "healthcheck" in SERVICES["postgres"]


def test_only_flower_is_published_and_only_on_loopback() -> None:
    published = {name: s["ports"] for name, s in SERVICES.items() if "ports" in s}
    assert published == {"flower": ["127.0.0.1:5555:5555"]}


def test_environment_names_are_real_settings() -> None:
    known = {f"NEWSWIRE_{name.upper()}" for name in Settings.model_fields}
    text = (ROOT / "docker-compose.yml").read_text()
    assert set(re.findall(r"\b(NEWSWIRE_[A-Z_]+)\s*:", text)) <= known


def test_workers_shut_down_warm() -> None:
    for role in ("fetcher", "parser", "store", "beat"):
        service = SERVICES[role]
        assert service["init"] is True
        seconds = int(service["stop_grace_period"].rstrip("s"))
        assert seconds > 20  # worker_soft_shutdown_timeout


def test_dockerfile_installs_every_package() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("shared", "services", "newswire"):
        assert f"COPY {package} ./{package}" in dockerfile
    assert "pip install '.[deploy]'" in dockerfile
    assert re.search(r"^USER (?!root)", dockerfile, re.MULTILINE)
