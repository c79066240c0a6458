"""Atoms: addresses and services cut into the pieces no rule tells apart, and the exact
reachability matrix built on them."""
