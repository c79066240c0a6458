"""fix: the smallest proved repair of violated assertions, with no collateral change."""
