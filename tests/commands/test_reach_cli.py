"""``sgverify reach`` as users ask it: who can reach the database on 3306, can anything in
dev reach prod, what does the internet reach; text and JSON; exit codes; bad input."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from sgverify.cli import run
from tests.support.paths import TESTS

FIXTURES = TESTS / "fixtures" / "audit"
FLEET = str(FIXTURES / "fleet.sgv")



def pair(line: str) -> str:
    """A pair's line without its compiler-style lead (``file:line:col: note[R001]: ``)."""
    return re.sub(r"^.*?: (note|warning|error)\[R\d+\]: ", "", line)

def sgv(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_who_can_reach_the_database_on_3306() -> None:
    code, out, err = sgv("reach", FLEET, "--to", "db-1", "--on", "tcp 3306", "--no-timing")
    assert code == 0, err
    # MySQL is open through 0.0.0.0/1 + 128.0.0.0/1: the internet, and (0.0.0.0/1 holds
    # 10.0.0.0/8) every instance whose own egress lets it out.
    assert "internet reaches instance db-1 on tcp 3306" in out
    assert "witness: ingress tcp 1.0.0.1:1024 -> 10.1.2.10:3306" in out
    assert "decided by: rule mysql-open of group db" in out
    senders = sorted(pair(line).split(" reaches ")[0] for line in out.splitlines() if " reaches " in line)
    assert senders == sorted(["internet", "instance web-1", "instance web-2", "instance app-1",
                              "instance app-2", "instance bastion", "instance dev-1",
                              "instance dev-2"])
    # pay-* (egress dropped but for 203.0.113.0/24) and vault-1 (enterprise, 443 only) cannot.
    assert "pay-1" not in out and "vault-1" not in out
    assert "answer: yes: 8 of 11 ordered pairs reach" in out  # 10 instances + the internet


def test_postgres_from_the_app_tier() -> None:
    _, out, _ = sgv("reach", FLEET, "--to", "group db", "--on", "tcp 5432", "--no-timing")
    senders = sorted(pair(line).split(" reaches ")[0] for line in out.splitlines() if " reaches " in line)
    assert senders == ["instance app-1", "instance app-2"]
    assert "decided by: rule pg-app of group db" in out


def test_can_anything_in_dev_reach_prod() -> None:
    code, out, _ = sgv("reach", FLEET, "--from", "tag:env=dev", "--to", "tag:env=prod",
                       "--by", "group", "--no-timing", "--fail-if-reachable")
    assert code == 1 and "group dev reaches group web on tcp 80, 443" in out
    code, out, _ = sgv("reach", FLEET, "--from", "group dev", "--to", "group db", "--on",
                       "tcp 5432", "--no-timing", "--fail-if-reachable")
    assert code == 0 and "answer: no: 0 of 2 ordered pairs reach" in out
    # prod -> dev only through the partners prefix list, whose entries are unknown.
    code, out, _ = sgv("reach", FLEET, "--from", "tag:env=prod", "--to", "tag:env=dev",
                       "--no-timing", "--fail-if-reachable")
    assert code == 3 and "may reach (unresolved lists) instance dev-1 on tcp 8443" in out
    assert "answer: unknown: 0 of 18 ordered pairs reach, 12 unknown" in out


def test_what_the_internet_reaches() -> None:
    _, out, _ = sgv("reach", FLEET, "--from", "internet", "--no-timing")
    reached = sorted(pair(line).split(" reaches ")[1].split(" on ")[0]
                     for line in out.splitlines() if pair(line).startswith("internet reaches"))
    assert reached == ["instance bastion", "instance db-1", "instance web-1", "instance web-2"]
    assert "internet reaches instance web-1 on tcp 80, 443" in out
    assert "may reach (unresolved lists) instance dev-1" in out or "dev-1" not in out


def test_json_output() -> None:
    code, out, _ = sgv("reach", FLEET, "--from", "group web", "--format", "json", "--no-timing",
                       "--allow-unknown")
    doc = json.loads(out)
    assert code == 0 and doc["schema_version"] == "2.0" and doc["command"] == "reach"
    app = next(p for p in doc["results"]["pairs"] if p["receiver"] == "instance app-1")
    assert app["status"] == "reachable" and app["services"] == [{"protocol": "tcp", "ports": [8080]}]
    assert app["witness"]["evidence"][1]["decision"]["rule"]["name"] == "from-web"
    # web-1, web-2 to the other 10 instances and the internet (an instance and itself: no pair)
    res = doc["results"]
    assert doc["summary"]["checked"] == len(res["senders"]) * (len(res["receivers"]) - 1)


def test_limit_counts_the_rest() -> None:
    _, out, _ = sgv("reach", FLEET, "--limit", "2", "--no-timing")
    assert out.count("  witness: ") == 2 and "more pairs that connect, not shown" in out


def test_machine_formats_have_a_default_limit_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole matrix (a million pairs) worked out would not fit in memory: JSON, SARIF
    and JUnit stop at their own default, count the rest, and never say a pair not worked
    out reaches "on nothing"."""
    from sgverify.commands import reach
    monkeypatch.setattr(reach, "MACHINE_LIMIT", 2)
    args = ("reach", FLEET, "--to", "db-1", "--on", "tcp 3306", "--no-timing")
    _, out, _ = sgv(*args, "--format", "json")
    res = json.loads(out)["results"]
    assert len(res["pairs"]) == 2 and res["not_detailed"] == 6
    _, out, _ = sgv(*args, "--format", "sarif")
    texts = [r["message"]["text"] for r in json.loads(out)["runs"][0]["results"]]
    assert len(texts) == 3 and not any("on nothing" in t for t in texts)
    assert texts[2].startswith("reaches: 6 more pairs (services and witness not worked out")
    _, out, _ = sgv(*args, "--format", "junit")
    assert out.count("<testcase ") == 4 and "on nothing" not in out
    _, out, _ = sgv(*args, "--format", "json", "--limit", "all")
    res = json.loads(out)["results"]
    assert len(res["pairs"]) == 8 and res["not_detailed"] == 0


def test_limit_all_works_out_every_pair() -> None:
    _, out, _ = sgv("reach", FLEET, "--to", "db-1", "--on", "tcp 3306", "--limit", "all",
                    "--no-timing")
    assert out.count("  witness: ") == 8 and "not shown" not in out


def test_html_output(tmp_path: Path) -> None:
    path = tmp_path / "m.html"
    code, _, _ = sgv("reach", FLEET, "--by", "group", "--format", "html", "--output", str(path),
                     "--allow-unknown")
    page = path.read_text()
    assert code == 0 and 'id="exposure"' in page and "Reachability, aggregated" in page
    assert 'id="findings"' not in page and 'id="u-web"' in page


@pytest.mark.parametrize("argv,words", [
    (["reach", FLEET, "--from", "nosuch"], "no instance or group matches"),
    (["reach", FLEET, "--to", "group nosuch"], "no group matches"),
    (["reach", FLEET, "--from", "tag:nope"], "no group has the tag"),
    (["reach", FLEET, "--from", "internet", "--to", "internet"], "not about your groups"),
    (["reach", FLEET, "--on", "ingress tcp 22"], "--on takes services"),
    (["reach", FLEET, "--on", "tcp 99999"], "E107"),
    (["reach", "missing.sgv"], "no such file"),
    (["reach", FLEET, "--limit", "-1"], "--limit"),
    (["reach", FLEET, "--limit", "many"], "expected a whole number"),
])
def test_errors(argv: list[str], words: str) -> None:
    code, _, err = sgv(*argv)
    assert code == 2 and words in err and "Traceback" not in err


def test_unknown_pairs_fail_closed(tmp_path) -> None:
    import io

    from sgverify.cli import run
    spec = tmp_path / "unk.sgv"
    spec.write_text("prefix-list partners (id pl-1)\ngroup web { ingress accept tcp 22 from prefix-list partners }\n"
                    "instance w1 { ip 10.0.0.5; groups web }\ninstance w2 { ip 10.0.0.6; groups web }\n")
    assert run(["reach", str(spec), "--from", "internet"], io.StringIO(), io.StringIO()) == 3
    assert run(["reach", str(spec), "--from", "internet", "--allow-unknown"], io.StringIO(), io.StringIO()) == 0
