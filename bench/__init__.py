"""Benchmark scripts (a package, so tests can import the page readers: bench.page_reading)."""
