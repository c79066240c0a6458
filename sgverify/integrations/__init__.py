"""Integrations with other tools: the pytest plugin that runs each assertion as a test."""
