"""sgverify.cloud."""
