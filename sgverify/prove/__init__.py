"""sgverify.prove."""
