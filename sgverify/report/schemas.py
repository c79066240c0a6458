"""Where the JSON Schemas of sgverify's JSON reports are (sgverify/schemas, shipped in the
package): ``envelope.json`` for the document every command writes, one file per command's
``results``. ``python -m sgverify.report.schemas`` prints the folder; with a name
(``check``, ``envelope``, ...) the path of that schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def schema_dir() -> Path:
    """The folder of the shipped schema files."""
    return SCHEMA_DIR


def schema_path(name: str) -> Path:
    """The schema file of ``name``: ``envelope``, ``common`` or a command (``check``...)."""
    return SCHEMA_DIR / f"{name}.json"


def load_schema(name: str) -> dict[str, Any]:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


def main(argv: list[str]) -> int:
    if not argv:
        sys.stdout.write(f"{SCHEMA_DIR}\n")
        return 0
    path = schema_path(argv[0])
    if not path.is_file():
        names = ", ".join(sorted(p.stem for p in SCHEMA_DIR.glob("*.json")))
        sys.stderr.write(f"no schema named {argv[0]!r} (schemas: {names})\n")
        return 2
    sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
