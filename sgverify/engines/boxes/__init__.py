"""sgverify.engines.boxes."""
