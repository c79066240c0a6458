"""Proving assertions: the Z3 prover, the box prover, reach over sets, and the one place
verdicts are built; ``run.Checker`` is the entry point."""
