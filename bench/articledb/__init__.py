"""Speed benchmark of the article DB at 1,000,000 synthetic stories (generate, then measure)."""
