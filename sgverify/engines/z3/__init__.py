"""sgverify.engines.z3."""
