"""One log line per event, logfmt style (`event=poll.done feed_id=3 status=200`), greppable."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

_DROPPED = {"fields", "data"}  # celery's `data` extra repeats whole messages on every line
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def _quote(value: Any) -> str:
    text = str(value)
    if text == "" or any(ch in text for ch in ' "=\n\t'):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


class LogfmtFormatter(logging.Formatter):
    """Formats a record as `ts=… level=… logger=… event=… key=value …`."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        parts = [f"ts={ts}", f"level={record.levelname.lower()}", f"logger={record.name}"]
        parts.append(f"event={_quote(record.getMessage())}")
        fields = dict(getattr(record, "fields", {}))
        fields.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _RESERVED and key not in _DROPPED and not key.startswith("_")
        )
        parts.extend(f"{key}={_quote(value)}" for key, value in fields.items() if value is not None)
        if record.exc_info and record.levelno >= logging.ERROR:
            parts.append(f"exc={_quote(self.formatException(record.exc_info))}")
        return " ".join(parts)


class JsonFormatter(LogfmtFormatter):
    """The same fields as one JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        out: dict[str, Any] = {"ts": ts, "level": record.levelname.lower(), "logger": record.name,
                               "event": record.getMessage()}  # fmt: skip
        out.update(getattr(record, "fields", {}))
        if record.exc_info and record.levelno >= logging.ERROR:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps({k: v for k, v in out.items() if v is not None}, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO", fmt: str = "logfmt") -> None:
    """Send every logger to stderr, logfmt or JSON lines; idempotent."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    for handler in list(root.handlers):
        if getattr(handler, "_newswire", False):
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else LogfmtFormatter())
    handler._newswire = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    # Our own task lines carry the ids; celery's per-message lines repeat whole payloads.
    for noisy in (
        "httpx",
        "httpcore",
        "alembic.runtime.migration",
        "celery.worker.strategy",
        "celery.app.trace",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event with its fields (feed_id, article_id, url …) as structured extras."""
    logger.log(level, event, extra={"fields": fields})
