"""The one settings object every service, the CLI and the tests read (NEWSWIRE_* variables)."""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Safe defaults for one machine; override with NEWSWIRE_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="NEWSWIRE_", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Folder for SQLite files, embedded Redis, logs.")
    redis_url: str | None = Field(
        None, description="Broker URL; unset means `newswire run` starts an embedded Redis."
    )
    database_url: str | None = Field(
        None, description="Article DB (SQLAlchemy URL); unset means SQLite at DATA_DIR/newswire.db."
    )
    fetcher_database_url: str | None = Field(
        None,
        description="Fetcher state DB; unset means DATA_DIR/fetcher.db on SQLite, "
        "else the same server as DATABASE_URL (own tables).",
    )
    allowed_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated CIDRs of private networks the fetcher may reach "
        "(e.g. 127.0.0.0/8,::1/128 for tests); every other non-public address is refused.",
    )
    confine_to_allowed_networks: bool = Field(
        False,
        description="Reach only NEWSWIRE_ALLOWED_NETWORKS, public addresses included, and look up no "
        "names but localhost (tests and closed deployments).",
    )
    seed_default_feeds: bool = Field(
        True, description="Load the shipped feed list into an empty registry on first start."
    )
    default_poll_interval: str = Field("15m", description="Poll interval for feeds added without one.")
    beat_interval_seconds: float = Field(60.0, description="How often beat asks for due feeds.")
    http_connect_timeout: float = Field(10.0, description="Seconds to open a connection.")
    http_read_timeout: float = Field(20.0, description="Seconds to wait for each read.")
    http_total_timeout: float = Field(60.0, description="Seconds for a whole fetch, body included.")
    http_max_body_bytes: int = Field(
        10 * 1024 * 1024, description="Largest response body accepted (decoded bytes)."
    )
    user_agent: str = Field(
        "newswire/0.1 (news feed reader)",
        description="User-Agent sent with every request.",
    )
    contact_url: str = Field(
        "", description="A URL or mailto: where outlets can reach the operator; appended to the User-Agent."
    )
    broken_after: int = Field(
        10, description="Consecutive failed polls after which a feed is reported broken."
    )
    backoff_cap_seconds: int = Field(86400, description="Longest wait between polls of a failing feed.")
    max_retry_after_seconds: int = Field(
        7 * 86400, description="Longest Retry-After (429/503) honoured; longer values are capped."
    )
    max_hinted_interval_seconds: int = Field(
        86400, description="Longest interval that feed hints (ttl, sy:updatePeriod, Cache-Control) may set."
    )
    host_max_concurrent: int = Field(
        2, description="Requests in flight at once per host, across all fetchers."
    )
    host_min_delay_seconds: float = Field(
        1.0, description="Minimum time between the starts of two requests to one host, across all fetchers."
    )
    respect_robots: bool = Field(True, description="Obey robots.txt for article pages.")
    fulltext_threshold: int = Field(
        600, description="In 'auto' mode, fetch the article page when the feed's text is shorter than this."
    )
    page_max_bytes: int = Field(3 * 1024 * 1024, description="Largest article page accepted (decoded bytes).")
    resend_after_seconds: int = Field(
        3600,
        description="An entry sent but never confirmed stored is sent again after this long "
        "(covers a message lost on the bus).",
    )
    visibility_timeout: int = Field(
        3600, description="Seconds before Redis redelivers an unacknowledged task."
    )
    unacked_sweep_seconds: float = Field(
        30.0,
        description="How often a worker looks for unacknowledged messages past the visibility timeout "
        "(a crashed worker's) to put back on their queue.",
    )
    retry_backoff_max: int = Field(300, description="Upper bound (s) of a task's retry delay.")
    max_retries: int = Field(6, description="Retries of a transient failure before giving up.")
    retry_for_seconds: float = Field(
        600.0,
        description="A transient failure (database down or locked, broker gone) is retried for at least "
        "this long, and at least MAX_RETRIES times, before its message goes to dead letters.",
    )
    max_worker_lost: int = Field(
        3,
        description="Redelivered runs of one message that died with their worker process (killed, out of "
        "memory, crashed) before the message goes to dead letters instead of running again.",
    )
    fetch_concurrency: int = Field(4, description="Threads in the fetch worker.")
    parse_concurrency: int = Field(2, description="Processes in the parse worker.")
    batch_size: int = Field(
        20, ge=1, description="Entries per parse/store message from a feed poll (bench/pipeline.py --batch)."
    )
    log_level: str = Field("INFO", description="Log level of every service.")
    log_format: Literal["logfmt", "json"] = Field("logfmt", description="One line per event: logfmt or JSON.")
    liveness_file: Path | None = Field(
        None, description="A worker touches this file from its consumer loop (container healthchecks)."
    )
    stall_seconds: float = Field(
        180.0,
        description="`newswire run` restarts a worker whose queue has work but which finished no task for "
        "this long (a worker can stay up yet stop consuming after a broker restart).",
    )
    taxonomy_file: Path | None = Field(
        None, description="Label taxonomy (TOML) to use instead of the packaged one (see Taxonomy below)."
    )
    classify_thresholds: dict[str, float] = Field(
        default_factory=dict,
        description='Per-label score thresholds overriding the taxonomy\'s, as JSON: {"defense": 0.5}.',
    )
    api_key: str | None = Field(None, description="Key for write endpoints, and for reads off loopback.")
    api_host: str = Field(
        "127.0.0.1", description="Address `newswire api` binds; reads need the API key unless it is loopback."
    )
    api_port: int = Field(8000, description="Port `newswire api` listens on.")
    api_rate_limit: str = Field(
        "120/minute",
        description='Requests the API answers per client (its API key, else its IP), as "120/minute" or '
        '"10/second;600/hour"; empty or 0 turns it off. /healthz, /metrics and /static are never limited.',
    )
    public_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL readers reach the API at (links in RSS/Atom exports)."
    )
    once_timeout_seconds: float = Field(
        600.0, description="Longest `newswire run --once` waits for the queues to drain."
    )

    @field_validator("allowed_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        for cidr in value or []:
            ipaddress.ip_network(cidr, strict=False)  # raises a clear ValueError
        return value

    @field_validator("api_rate_limit")
    @classmethod
    def _check_rate_limit(cls, value: str) -> str:
        """A typo must stop the API at start, not turn the limit off or refuse every request."""
        value = value.strip()
        if value in ("", "0"):
            return ""
        try:
            from limits import parse_many  # the API's extra ships it; no other service reads this setting
        except ImportError:
            return value
        try:
            items = parse_many(value)
        except ValueError:
            raise ValueError(
                f"NEWSWIRE_API_RATE_LIMIT={value!r} is not a rate limit: write e.g. 120/minute, "
                "10/second;600/hour or 5 per 2 minutes (second … year), or 0 for none"
            ) from None
        if any(item.amount < 1 for item in items):
            raise ValueError(
                f"NEWSWIRE_API_RATE_LIMIT={value!r} would refuse every request: set 0 to turn the limit off"
            )
        return value

    def model_post_init(self, __context: object) -> None:
        # A retry is a message held unacked until its ETA: a delay past the visibility
        # timeout is redelivered and runs twice (celery docs, Redis caveats; kombu#337).
        if self.retry_backoff_max >= self.visibility_timeout:
            raise ValueError(
                "NEWSWIRE_RETRY_BACKOFF_MAX must stay below NEWSWIRE_VISIBILITY_TIMEOUT "
                "(a longer retry delay is redelivered by Redis and runs twice)"
            )

    @property
    def full_user_agent(self) -> str:
        """The User-Agent with the operator's contact, when one is set."""
        if not self.contact_url:
            return self.user_agent
        return (
            f"{self.user_agent.rstrip(')')}; +{self.contact_url})"
            if self.user_agent.endswith(")")
            else (f"{self.user_agent} (+{self.contact_url})")
        )

    @property
    def article_db_url(self) -> str:
        """The article DB URL, SQLite under the data folder by default."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'newswire.db').resolve()}"

    @property
    def fetcher_db_url(self) -> str:
        """The fetcher's own state DB URL."""
        if self.fetcher_database_url:
            return self.fetcher_database_url
        if self.database_url and not self.database_url.startswith("sqlite"):
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'fetcher.db').resolve()}"

    def child_env(self, **overrides: object) -> dict[str, str]:
        """The environment for a child process: ours, with every setting of this object as NEWSWIRE_*."""
        env = dict(os.environ)
        values = self.model_dump()
        values.update(overrides)
        for name, value in values.items():
            key = f"NEWSWIRE_{name.upper()}"
            if value is None:
                env.pop(key, None)
            elif isinstance(value, list):
                env[key] = ",".join(map(str, value))
            else:
                env[key] = str(value)
        return env


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
