"""Reporters: one module per output format (text, json, sarif, junit), each turning a
``findings.RunReport`` into text; ``gate`` judges the same findings for the exit code and
``from_check`` builds them from checked specs."""
