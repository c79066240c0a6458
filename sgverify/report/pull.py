"""The summary ``sgverify pull`` prints: what was read, from where, and where it went
(text), or the manifest itself in the JSON envelope (JSON)."""

from __future__ import annotations

from ..core.files import display_path
from .gate import EXIT_OK
from .json import gate_summary, render_envelope


def render_pull(manifest: dict, folder: str, fmt: str = "text") -> str:
    """The summary of a finished pull written to ``folder``."""
    if fmt == "json":
        vpc = f"/{manifest['vpc']}" if manifest.get("vpc") else ""
        inputs = [f"{manifest.get('provider')}://{r}{vpc}" for r in manifest.get("regions", [])]
        calls = manifest.get("calls", {})
        return render_envelope("pull", inputs, {**manifest, "output": display_path(folder)},
                               gate_summary(EXIT_OK, **manifest.get("counts", {}),
                                            calls=calls.get("total", 0),
                                            retries=calls.get("retries", 0)))
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
