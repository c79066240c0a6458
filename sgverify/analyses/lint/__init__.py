"""lint: proved rule hygiene (dead, redundant and tied rules, exposure, what the cloud
accepts)."""
