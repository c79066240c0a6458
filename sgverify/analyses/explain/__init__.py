"""explain: concrete flows against a policy, one at a time, in bulk, or from a flow log."""
