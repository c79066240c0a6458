"""Issue 19, the HTML report at fleet size: past 150 groups the matrix stopped at 150 rows
under a header that contradicted itself ("151 x 151" vs "150 of 197 rows"), every group
past the cut was unreachable, the internet -> database cell was the palest (colour counted
ports) and the page was mostly embedded JSON, blank without JavaScript. Now every group has
its row, the matrix is aggregated with no cut, internet -> tcp 3306 is the strongest colour
and the page carries no data block.

    sgverify audit fleet.sgv --format html --output report.html
"""

from __future__ import annotations

import re

from tests.support.gate import cli, write

N = 160  # past the old cut of 150


def inventory() -> str:
    groups = [f"group g{i} {{ ingress accept tcp 443 from 10.0.0.0/8 }}" for i in range(N)]
    groups.append("group db { ingress accept tcp 3306 from 0.0.0.0/0 }")
    groups.append("group web { ingress accept tcp 1-65535 from 10.0.0.0/8\n"
                  "  ingress accept tcp 443 from 0.0.0.0/0 }")
    insts = [f"instance i{i} {{ ip 10.0.{i // 250}.{i % 250 + 1}; groups g{i} }}" for i in range(N)]
    insts += ["instance d { ip 10.1.0.1; groups db }", "instance w { ip 10.1.0.2; groups web }"]
    return "\n".join(groups + insts) + "\n"


def test_every_group_is_in_the_report_and_colour_is_risk(tmp_path) -> None:
    out = tmp_path / "report.html"
    code, _, err = cli("audit", write(tmp_path, "fleet.sgv", inventory()), "--format", "html",
                       "--output", str(out), "--no-timing")
    assert code == 1, err
    page = out.read_text()
    rows = re.findall(r'<tr id="(u-[^"]+)" class="unit"', page)
    assert len(rows) == N + 2 and {"u-g159", "u-db", "u-web"} <= set(rows)
    assert "sgv-data" not in page and "application/json" not in page
    assert "only the first" not in page
    clusters = page.split('id="clusters"')[1]
    assert all(f'href="#{r}"' in clusters for r in rows)  # each group in the matrix too
    db = re.search(r'<tr><td><span class="lv lv-(\d)[^>]*>[^<]*</span></td><td><a href="#u-db">', page)
    web = re.search(r'<tr><td><span class="lv lv-(\d)[^>]*>[^<]*</span></td><td><a href="#u-web">', page)
    assert db and web and db.group(1) == "5" and web.group(1) == "2"  # 1 port beats 65,535
    assert rows[0] == "u-db"  # the riskiest group leads the table
