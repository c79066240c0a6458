"""Shared test code: helpers, strategies, the CLI runner, paths."""
