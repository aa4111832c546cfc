"""Queue names and routes: stable, because Flower, compose, metrics and tests use them."""

QUEUES = ("fetch", "parse", "store")
ROUTES = {
    "fetcher.*": {"queue": "fetch"},
    "parser.*": {"queue": "parse"},
    "store.*": {"queue": "store"},
}
