"""sgverify.analyses.lint."""
