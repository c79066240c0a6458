"""Reachability across an inventory: which interfaces can open connections to which, on
which services (``matrix``), which are open to the internet (``exposure``), and the
questions users ask of them (``select``). Exact: address and service atoms and bit masks,
no solver call per pair; every reported pair carries a witness the evaluator confirms."""
