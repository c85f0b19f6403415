"""The test suite (a package, so tests and bench/ import its harness: tests.harness)."""
