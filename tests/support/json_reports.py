"""Reading and validating sgverify's JSON reports in tests: every report is one envelope
(docs/output.md) that the JSON Schemas shipped in sgverify/schemas describe."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource

from sgverify.report.schemas import schema_dir


def _registry() -> tuple[Registry, dict[str, Any]]:
    resources = []
    envelope: dict[str, Any] = {}
    for path in sorted(schema_dir().glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        resources.append((doc["$id"], Resource.from_contents(doc)))
        if path.name == "envelope.json":
            envelope = doc
    return Registry().with_resources(resources), envelope


REGISTRY, ENVELOPE = _registry()
VALIDATOR = Draft202012Validator(ENVELOPE, registry=REGISTRY)


def validate(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` if the shipped schemas accept it; else AssertionError with every problem."""
    problems = list(VALIDATOR.iter_errors(doc))
    # the deepest cause of each problem (a oneOf's own message names no field)
    causes = [best_match([e]) if not e.context else best_match(e.context) for e in problems]
    assert not problems, "\n".join(
        f"{'/'.join(map(str, e.absolute_path)) or '<top>'}: {e.message[:300]}" for e in causes[:20])
    return doc


def report(text: str) -> dict[str, Any]:
    """A JSON report's text, parsed and validated."""
    return validate(json.loads(text))


def entries(text: str) -> list[dict[str, Any]]:
    """The per-line entries of ``explain --flows`` (``results.lines``) or ``--flow-log``
    (``results.disagreements``) JSON."""
    results = report(text)["results"]
    return results["lines"] if results["mode"] == "flows" else results["disagreements"]
