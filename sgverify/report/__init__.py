"""Reporters: one module per output format; each reads results and returns text."""
