"""sgverify.core."""
