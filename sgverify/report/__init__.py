"""Reporters: one module per output format (text, json, sarif, junit), each turning a
``findings.RunReport`` into text; ``gate`` judges the same findings for the exit code;
``from_check``, ``from_lint`` and ``from_diff`` build them from what those commands found."""
