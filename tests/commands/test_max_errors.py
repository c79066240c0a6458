"""``--max-errors N`` on every command that prints input diagnostics (issue 14: "after 20
of one code, one line '... and N more'; --max-errors N to see more"). import and export
printed every diagnostic, uncapped: 60 rules naming groups not in the export gave 60
W125 warnings.

    sgverify import export.json --max-errors 5
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.gate import cli, write

SPEC = "group a { " + "; ".join(f"ingress accept tcp {i} from group nope{i}"
                                for i in range(1, 31)) + " }\n"


def export(rules: int) -> str:
    return json.dumps({
        "SecurityGroupId": "sg-bp1a00000000000001", "SecurityGroupName": "a",
        "SecurityGroupType": "normal", "VpcId": "vpc-bp1main0000000000001",
        "InnerAccessPolicy": "Accept",
        "Permissions": {"Permission": [
            {"Direction": "ingress", "Policy": "Accept", "Priority": 1, "IpProtocol": "TCP",
             "PortRange": f"{i}/{i}", "SourceGroupId": f"sg-bp1peer{i:011d}", "NicType": "intranet"}
            for i in range(1, rules + 1)]}}, indent=1)


@pytest.mark.parametrize("cap, shown", [(None, 20), ("5", 5), ("0", 30), ("40", 30)])
def test_check_shows_at_most_n_of_one_code(tmp_path: Path, cap, shown) -> None:
    spec = write(tmp_path, "many.sgv", SPEC)
    code, out, err = cli("check", str(spec), *(["--max-errors", cap] if cap else []))
    assert code == 2
    text = out + err
    assert text.count("error[E101]") == shown
    hidden = 30 - shown
    if hidden:
        assert f"many.sgv: note: ... and {hidden} more E101 (unknown group) error" \
            f"{'s' if hidden > 1 else ''} not shown (the first {shown} are; " \
            "--max-errors N shows more, 0 all" in text
    else:
        assert "not shown" not in text


@pytest.mark.parametrize("command", ["import", "export", "lint", "audit"])
def test_import_export_and_inventory_commands_cap_too(tmp_path: Path, command: str) -> None:
    data = write(tmp_path, "a.json", export(30))
    extra = ["--format", "aliyun"] if command == "export" else []
    code, out, err = cli(command, str(data), *extra, "--max-errors", "4")
    assert err.count("warning[W125]") == 4, err
    assert "note: ... and 26 more W125 (default used where the platform is ambiguous) " \
        "warnings not shown (the first 4 are" in err
    code, out, err = cli(command, str(data), *extra, "--max-errors", "0")
    assert err.count("warning[W125]") == 30
    assert "not shown" not in err


def test_a_negative_cap_is_a_usage_error(tmp_path: Path) -> None:
    spec = write(tmp_path, "many.sgv", SPEC)
    code, out, err = cli("check", str(spec), "--max-errors", "-1")
    assert code == 2 and "--max-errors" in err and "expected 0 or more" in err


def test_the_cap_counts_one_code_over_every_file_of_a_run(tmp_path: Path) -> None:
    """An inventory of many files with one W125 each printed every one: the cap is per code
    over the run, and the note says how many files the hidden ones are in."""
    folder = tmp_path / "inv"
    for i in range(30):
        doc = json.loads(export(1).replace("sg-bp1a00000000000001", f"sg-bp1a{i:014d}")
                         .replace("sg-bp1peer", f"sg-bp1p{i:03d}"))
        write(folder, f"g{i}.json", json.dumps(doc))
    code, out, err = cli("import", str(folder), "--max-errors", "5")
    assert err.count("warning[W125]") == 5, err
    assert "\nnote: ... and 25 more W125 (default used where the platform is ambiguous) " \
        "warnings in 25 files not shown (the first 5 are;" in err, err
