"""sgverify.lang."""
