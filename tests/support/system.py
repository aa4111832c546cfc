"""The pipeline's workers as real processes for one test: started, then stopped and forgotten."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from newswire.supervisor import Supervisor
from services.fetcher import registry
from services.store import repository
from shared.settings import Settings


@contextmanager
def running(settings: Settings) -> Iterator[Supervisor]:
    """fetch, parse and store workers as `newswire run --once` starts them; stopped (warm) afterwards, and
    the cached engines dropped so the next test's database is not confused with this one's."""
    supervisor = Supervisor(settings, once=True, quiet_children=True)
    supervisor.start()
    try:
        yield supervisor
    finally:
        supervisor.stop()
        repository.engine_for.cache_clear()
        registry.engine_for.cache_clear()
