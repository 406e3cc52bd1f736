"""matome-search: full-text search for a Hugo archive of Japanese HN comment digests."""

__version__ = "0.1.0"
