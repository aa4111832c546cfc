import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    documented = set(re.findall(r"`(NEWSWIRE_[A-Z_]+)`", README.read_text()))
    expected = {f"NEWSWIRE_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set(), "settings missing from README.md"
    assert documented - expected - {"NEWSWIRE_TEST_POSTGRES_URL"} == set(), (
        "README documents unknown settings"
    )


def test_defaults_need_no_services(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.redis_url is None
    assert settings.article_db_url == f"sqlite:///{tmp_path.resolve()}/newswire.db"
    assert settings.fetcher_db_url == f"sqlite:///{tmp_path.resolve()}/fetcher.db"
    assert settings.allowed_networks == []


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_ALLOWED_NETWORKS", "127.0.0.0/8, ::1/128")
    monkeypatch.setenv("NEWSWIRE_DATABASE_URL", "postgresql://u@127.0.0.1/db")
    settings = Settings()
    assert settings.allowed_networks == ["127.0.0.0/8", "::1/128"]
    assert settings.fetcher_db_url == "postgresql://u@127.0.0.1/db"  # own tables on the same server


@pytest.mark.parametrize(
    ("env", "message"),
    [
        pytest.param({"NEWSWIRE_ALLOWED_NETWORKS": "not-a-cidr"}, "does not appear to be", id="bad-cidr"),
        pytest.param({"NEWSWIRE_RETRY_BACKOFF_MAX": "7200"}, "must stay below", id="backoff-past-visibility"),
        pytest.param({"NEWSWIRE_HTTP_MAX_BODY_BYTES": "lots"}, "valid integer", id="not-a-number"),
    ],
)
def test_bad_settings_fail_clearly(env: dict, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises((ValidationError, ValueError), match=message):
        Settings()


def test_child_env_carries_every_setting(tmp_path: Path) -> None:
    env = Settings(data_dir=tmp_path, allowed_networks=["127.0.0.0/8"]).child_env(redis_url="redis://x")
    assert env["NEWSWIRE_REDIS_URL"] == "redis://x"
    assert env["NEWSWIRE_ALLOWED_NETWORKS"] == "127.0.0.0/8"
    assert "NEWSWIRE_DATABASE_URL" not in env
