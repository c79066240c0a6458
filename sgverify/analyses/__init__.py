"""The analyses: what sgverify tells about a policy beyond single assertions (explain, diff,
lint, audit, reach); each builds on engines and prove, never on another analysis."""
