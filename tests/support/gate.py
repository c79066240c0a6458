"""Shared by the CI-gate tests: run the CLI in-process, and small specs with known verdicts."""

from __future__ import annotations

import io
import json
from pathlib import Path

from sgverify.cli import run
from tests.support.paths import TESTS

SARIF_SCHEMA = TESTS / "fixtures" / "sarif-2.1.0-rtm.5.json"

# One spec per outcome the gate distinguishes.
PROVED = ("group g { ingress accept tcp 22 from 1.2.3.4/32 }\n"
          "ok: assert g: ingress tcp 22 from internet peer-groups none is allowed only from 1.2.3.4/32\n")
VIOLATED = ("group g { open: ingress accept tcp 22 from 0.0.0.0/0 }\n"
            "ssh-closed: assert g: ingress tcp 22 from internet is denied\n")
UNKNOWN = ("prefix-list p (id pl-1)\ngroup g { ingress accept tcp 22 from prefix-list p }\n"
           "maybe: assert g: ingress tcp 22 from internet peer-groups none is denied\n")
WARNING = ("group g { ingress accept tcp 22 from 10.0.0.1/8 }\n"
           "db: assert g: ingress tcp 22 from internet peer-groups none is denied\n")
SYNTAX = "group g { ingress accept }\n"
SPECS = {"proved": PROVED, "violated": VIOLATED, "unknown": UNKNOWN, "warning": WARNING,
         "error": SYNTAX}


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def cli(*args: str, stdout: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = stdout or io.StringIO(), io.StringIO()
    code = run([str(a) for a in args], out, err)
    return code, out.getvalue(), err.getvalue()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def validate_sarif(doc: dict) -> None:
    """Check a SARIF document against the official 2.1.0 schema."""
    import jsonschema
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(doc)
