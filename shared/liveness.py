"""Worker healthcheck without the CLI's dependencies: `python -m shared.liveness [--max-age 60]`.

Exit 0 when NEWSWIRE_LIVENESS_FILE was touched by the consumer loop within max-age seconds."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def check(path: Path | None, max_age: float) -> tuple[bool, str]:
    """(healthy, message) for a liveness file."""
    if path is None:
        return False, "NEWSWIRE_LIVENESS_FILE is not set"
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return False, f"unhealthy: {path} does not exist (the worker never started consuming)"
    if age > max_age:
        return False, f"unhealthy: the consumer loop last ran {age:.0f} s ago"
    return True, f"healthy: the consumer loop ran {age:.0f} s ago"


def main() -> None:
    """Command-line entry for container healthchecks."""
    from shared.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-age", type=float, default=60.0)
    healthy, message = check(get_settings().liveness_file, parser.parse_args().max_age)
    print(message, file=sys.stdout if healthy else sys.stderr)
    sys.exit(0 if healthy else 1)


if __name__ == "__main__":
    main()
