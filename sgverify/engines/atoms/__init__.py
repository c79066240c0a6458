"""sgverify.engines.atoms."""
