"""Boxes: flow sets as unions of products of intervals, decided exactly without Z3 (search,
certifier, canonical flows, merging for display)."""
