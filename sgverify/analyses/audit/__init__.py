"""sgverify.analyses.audit."""
