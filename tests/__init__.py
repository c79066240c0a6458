"""The test suite; its folders mirror the package layers (docs/architecture.md)."""
