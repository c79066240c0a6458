"""The base layer: diagnostics, addresses, the resolved model, flows, the plain-Python
evaluator, results, safe file reading, parallel maps, the version."""
