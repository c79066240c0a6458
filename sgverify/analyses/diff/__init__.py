"""sgverify.analyses.diff."""
