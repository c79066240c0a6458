"""The strict JUnit schema that Jenkins' xUnit plugin validates against (its junit-10
schema), as a table of the elements, attributes and children it allows, and a checker.
Written from the schema's rules, so the tests need no XML-schema library."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

_TIME = re.compile(r"(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?")
_TEXT = {"failure", "error", "skipped", "system-out", "system-err"}
# element -> (allowed attributes, required attributes, allowed children)
SCHEMA: dict[str, tuple[set[str], set[str], set[str]]] = {
    "testsuites": ({"name", "time", "tests", "failures", "errors"}, set(), {"testsuite"}),
    "testsuite": ({"name", "tests", "failures", "errors", "group", "time", "skipped",
                   "timestamp", "hostname", "id", "package", "file", "log", "url"},
                  {"name", "tests", "failures", "errors"},
                  {"testsuite", "properties", "testcase", "system-out", "system-err"}),
    "testcase": ({"name", "time", "classname", "group"}, {"name"},
                 {"skipped", "error", "failure", "system-out", "system-err"}),
    "properties": (set(), set(), {"property"}),
    "property": ({"name", "value"}, {"name", "value"}, set()),
    **{t: ({"type", "message"}, set(), set()) for t in ("failure", "error", "skipped")},
    "system-out": (set(), set(), set()),
    "system-err": (set(), set(), set()),
}


def problems(document: str) -> list[str]:
    """What in ``document`` the strict schema refuses (empty: it validates)."""
    root = ET.fromstring(document.encode("utf-8"))
    out: list[str] = []
    if root.tag not in ("testsuites", "testsuite"):
        return [f"root element <{root.tag}>"]

    def walk(el: ET.Element, where: str) -> None:
        if el.tag not in SCHEMA:
            out.append(f"{where}: element <{el.tag}> is not in the schema")
            return
        allowed, required, children = SCHEMA[el.tag]
        out.extend(f"{where}: attribute {a!r} not allowed" for a in sorted(set(el.attrib) - allowed))
        out.extend(f"{where}: attribute {a!r} missing" for a in sorted(required - set(el.attrib)))
        if "time" in el.attrib and el.tag in ("testsuite", "testsuites") \
                and not _TIME.fullmatch(el.attrib["time"]):
            out.append(f"{where}: time {el.attrib['time']!r}")
        if el.tag not in _TEXT and (el.text or "").strip():
            out.append(f"{where}: text content")
        for i, child in enumerate(el):
            if child.tag not in children:
                out.append(f"{where}: <{child.tag}> not allowed in <{el.tag}>")
            else:
                walk(child, f"{where}/{child.tag}[{i}]")

    walk(root, root.tag)
    return out
