"""A project's settings (sgverify.toml, [tool.sgverify]) and the cache of check results."""
