"""Fixtures of the artifact tests; the helpers they use live in harness.py."""

from tests.artifacts.harness import engine, s3  # noqa: F401  (pytest finds fixtures by name here)
