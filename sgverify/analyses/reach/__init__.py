"""sgverify.analyses.reach."""
