"""Issue 14 (the defects of its table): ``sgverify audit DIR`` refused a folder of .sgv
files ("no .json, .yaml, .yml or .tf files"), one file read without the file that defines
its names printed 5,000+ E101 diagnostics with no cap, and an estate as one .sgv over
8 MiB was refused with no way round. Now a folder of an inventory holds its .sgv files too
(those another includes, and data one imports, read through it once), text output shows
the first 20 diagnostics of one code in one file and counts the rest, and a spec may be
64 MiB, as cloud exports may.

    sgverify audit DIR      sgverify check one-file.sgv      sgverify lint DIR
"""

from __future__ import annotations

import json

from sgverify.core.files import Limits
from sgverify.report.text import MAX_SAME
from tests.support.gate import cli, write

GROUPS = "group web { ingress accept tcp 22 from 0.0.0.0/0 }\n"
MAIN = 'include "groups.sgv"\ninstance w { ip 10.0.0.1; groups web }\n'


def test_a_folder_of_specs_is_an_inventory(tmp_path) -> None:
    write(tmp_path, "inv/groups.sgv", GROUPS)
    write(tmp_path, "inv/main.sgv", MAIN)
    for command in ("audit", "reach", "export"):
        code, out, err = cli(command, tmp_path / "inv", *(["--no-timing"] if command == "audit"
                                                          else []))
        assert "no .json" not in err + out and "defined twice" not in err + out, (command, err)
        assert code in (0, 1), (command, out, err)
    code, out, _ = cli("audit", tmp_path / "inv", "--control", "SGV101", "--no-timing")
    assert "violated: interface w:" in out and "violated: group web:" in out


def test_data_a_spec_imports_is_read_once(tmp_path) -> None:
    write(tmp_path, "inv/sg.json", json.dumps({"SecurityGroupId": "sg-1", "VpcId": "vpc-1",
                                                "SecurityGroupType": "normal",
                                                "Permissions": {"Permission": []}}))
    write(tmp_path, "inv/main.sgv", 'import "sg.json"\ninstance w { ip 10.0.0.1; groups sg-1 }\n')
    code, out, err = cli("audit", tmp_path / "inv", "--no-timing")
    assert code == 0 and "error" not in err, out + err


def test_lint_of_a_folder_lints_a_fragment_through_its_includer(tmp_path) -> None:
    write(tmp_path, "inv/groups.sgv", GROUPS)
    write(tmp_path, "inv/main.sgv", MAIN)
    code, out, _ = cli("lint", tmp_path / "inv")
    assert out.count("error[L201]: group web accepts tcp 22") == 1, out


def test_text_output_caps_the_diagnostics_of_one_code(tmp_path) -> None:
    text = "".join(f"group g{i} {{ ingress accept tcp 22 from group nosuch{i} }}\n"
                   for i in range(MAX_SAME + 30))
    spec = write(tmp_path, "many.sgv", text)
    code, out, _ = cli("check", spec)
    assert code == 2 and out.count("error[E101]") == MAX_SAME
    assert "many.sgv: note: ... and 30 more E101 (unknown group) errors not shown" in out
    assert f"{MAX_SAME + 30} input errors" in out
    code, out, _ = cli("check", spec, "--format", "json")
    assert out.count('"E101"') >= MAX_SAME + 30  # machine formats keep every one
    code, out, err = cli("lint", spec)
    assert (out + err).count("error[E101]") == MAX_SAME


def test_a_spec_may_be_as_large_as_a_cloud_export() -> None:
    from sgverify.cloud.importer import MAX_DATA_BYTES
    assert Limits().max_file_bytes == MAX_DATA_BYTES
