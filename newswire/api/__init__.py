"""The HTTP API and web page over the article DB (FastAPI; `newswire api`, compose service `api`)."""
