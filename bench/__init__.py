"""Benchmarks and synthetic archives for matome-search."""
