"""sgverify.project."""
