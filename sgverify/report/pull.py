"""The summary ``sgverify pull`` prints: what was read, from where, and where it went
(text), or the manifest itself (JSON)."""

from __future__ import annotations

import json

from ..core.files import display_path


def render_pull(manifest: dict, folder: str, fmt: str = "text") -> str:
    """The summary of a finished pull written to ``folder``."""
    if fmt == "json":
        return json.dumps({**manifest, "output": display_path(folder)}, indent=2) + "\n"
    counts = manifest.get("counts", {})
    calls = manifest.get("calls", {})
    where = ", ".join(manifest.get("regions", []))
    if manifest.get("vpc"):
        where += f" ({manifest['vpc']})"
    lines = [f"pulled {manifest.get('provider')} {where}"
             + (f" through {manifest['endpoint']}" if manifest.get("endpoint") else "") + ":"]
    for key, label in (("groups", "security groups"), ("rules", "rules"),
                       ("interfaces", "network interfaces"), ("prefix_lists", "prefix lists"),
                       ("port_lists", "port lists")):
        if key in counts:
            lines.append(f"  {counts[key]:>7} {label}")
    lines.append(f"  {calls.get('total', 0):>7} read-only API calls ({calls.get('retries', 0)} "
                 "retried)")
    lines.append(f"written to {display_path(folder)}/ ({len(manifest.get('files', []))} files "
                 "and manifest.json); check, audit, lint, diff and reach read the folder")
    return "\n".join(lines) + "\n"
