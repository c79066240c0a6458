"""sgverify.analyses."""
