"""sgverify.analyses.explain."""
