"""sgverify.integrations."""
