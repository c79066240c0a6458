"""sgverify.engines."""
