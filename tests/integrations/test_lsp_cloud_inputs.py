"""``sgverify lsp`` on cloud inputs (issue 17: "and, read-only, the cloud inputs sgverify
reads"), over the server's stdio. An Alibaba Cloud export opened alone gets the
diagnostics ``sgverify lint FILE`` gives it (it was read as .sgv text: E001 on its first
brace); an export a spec imports is checked through that spec, so editing the export
re-proves the spec's assertions.

    sgverify lsp
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from sgverify.cli import run
from tests.support.lsp_client import LspClient

pytest.importorskip("pygls")


def export(ssh_from: str) -> str:
    return json.dumps({
        "SecurityGroupId": "sg-bp1web0000000000001", "SecurityGroupName": "web",
        "SecurityGroupType": "normal", "VpcId": "vpc-bp1main00000000000001",
        "InnerAccessPolicy": "Accept",
        "Permissions": {"Permission": [
            {"Direction": "ingress", "Policy": "Accept", "Priority": 1, "IpProtocol": "TCP",
             "PortRange": "22/22", "SourceCidrIp": ssh_from, "NicType": "intranet"},
            {"Direction": "ingress", "Policy": "Accept", "Priority": 2, "IpProtocol": "TCP",
             "PortRange": "22/22", "SourceCidrIp": "10.1.2.3/32", "NicType": "intranet"}]}},
        indent=2) + "\n"


SPEC = """\
import "web.json"
instance web-1 { ip 192.168.0.10; groups web }
ssh-closed: assert web-1: ingress tcp 22 from internet is denied
"""


def lint_codes(path: Path) -> list[tuple[str, int]]:
    """(code, 0-based line) of what ``sgverify lint FILE`` prints (compiler-style text)."""
    out, err = io.StringIO(), io.StringIO()
    run(["lint", str(path)], out, err)
    return sorted((m.group(3), int(m.group(1)) - 1) for m in
                  re.finditer(r"^\S+:(\d+):(\d+): \w+\[(L\d+)\]", out.getvalue(), re.M))


def test_an_export_opened_alone_gets_lints_diagnostics(tmp_path: Path) -> None:
    (tmp_path / "sgverify.toml").write_text("")
    data = tmp_path / "alone.json"
    data.write_text(export("10.0.0.0/8"))
    c = LspClient(tmp_path, {"debounceMs": 20})
    try:
        done = c.checked(data, c.open(data))
        assert done["params"]["final"]
        diags = c.diagnostics(data)
        assert "E001" not in {d.get("code") for d in diags}
        got = sorted((d["code"], d["range"]["start"]["line"]) for d in diags
                     if str(d.get("code", "")).startswith("L"))
        assert got and got == lint_codes(data)
        assert any(d.get("code") == "L101" for d in diags)  # the /32 rule under the /8 one
        hover = c.at("textDocument/hover", data, 1, 5)
        assert hover is None or "contents" in hover  # no syntax documents: no crash
    finally:
        c.close()


def test_editing_an_imported_export_reproves_the_spec(tmp_path: Path) -> None:
    (tmp_path / "sgverify.toml").write_text("")
    data, spec = tmp_path / "web.json", tmp_path / "web.sgv"
    data.write_text(export("10.0.0.0/8"))
    spec.write_text(SPEC)
    c = LspClient(tmp_path, {"debounceMs": 20})
    try:
        done = c.checked(spec, c.open(spec))
        assert done["params"]["verdicts"]["proved"] == 1
        mark = c.open(data)
        c.checked(spec, mark)  # the export is checked through the spec that imports it
        text = export("0.0.0.0/0")
        end = {"line": data.read_text().count("\n"), "character": 0}
        mark = c.edit(data, [{"range": {"start": {"line": 0, "character": 0}, "end": end},
                              "newText": text}])
        done = c.checked(spec, mark)
        assert done["params"]["verdicts"]["violated"] == 1
        assert data.read_text() == export("10.0.0.0/8")  # the disk is not written
    finally:
        c.close()
