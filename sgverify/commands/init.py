"""``sgverify init [DIR]``: write a starter ``specs/`` folder (one example spec that
proves) and a ``sgverify.toml`` into a repository. It never overwrites a file: if any
file it would write exists, it writes nothing and exits 2."""

from __future__ import annotations

import argparse
import os
from typing import IO

from ..core.files import display_path
from ..project.config import find_config
from ..report.gate import EXIT_ERROR, EXIT_OK

NAME = "init"
HELP = "write a starter specs/ folder and sgverify.toml (never overwrites files)"

EXAMPLE_SPEC = """\
# A starter spec (docs/language.md describes the language). Replace the group and the
# instance with your own and state what must hold as assertions: `sgverify check`
# proves each one for every possible flow, or prints a counterexample flow.

group web (vpc, basic) {
  allow-https: ingress accept tcp 443 from 0.0.0.0/0   priority 1  description "public HTTPS"
  allow-ssh:   ingress accept tcp 22 from 10.0.0.0/8   priority 1  description "SSH from the VPN"
}
instance web-1 { ip 192.168.0.10; groups web }

https-open:    assert web-1: ingress tcp 443 from internet is allowed
ssh-private:   assert web-1: ingress tcp 22 from internet peer-groups none is denied
only-expected: assert web-1: ingress peer-groups none is allowed only on tcp 22, 443
"""

CONFIG = """\
# sgverify settings (docs/ci.md). Each command-line option overrides its key here.
paths = ["specs"]     # what `sgverify check` checks when given no PATH
timeout = 60          # seconds per assertion; a timeout is 'unknown'
fail-on = "unknown"   # 'violated' lets unknowns pass (still reported); 'warning' is stricter
format = "text"       # text, json, sarif or junit
# baseline = "sgverify-baseline.json"   # accepted findings (sgverify check --write-baseline)
"""

FILES = ((os.path.join("specs", "example.sgv"), EXAMPLE_SPEC), ("sgverify.toml", CONFIG))


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", nargs="?", default=".", metavar="DIR",
                   help="the repository folder (default: the working directory)")


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    targets = [(os.path.join(args.dir, name), text) for name, text in FILES]
    existing = [path for path, _ in targets if os.path.lexists(path)]
    if existing:
        stderr.write("sgverify: error: " + ", ".join(display_path(p) for p in existing)
                     + (" exists" if len(existing) == 1 else " exist")
                     + "; init never overwrites files, so it wrote nothing\n")
        return EXIT_ERROR
    if os.path.exists(args.dir) and not os.path.isdir(args.dir):
        stderr.write(f"sgverify: error: {display_path(args.dir)} is not a folder\n")
        return EXIT_ERROR
    pyproject = os.path.join(args.dir, "pyproject.toml")
    if os.path.isdir(args.dir) and find_config(args.dir) == os.path.abspath(pyproject):
        stderr.write(f"sgverify: error: {display_path(pyproject)} already has a "
                     "[tool.sgverify] table; init wrote nothing (a sgverify.toml would "
                     "take its place)\n")
        return EXIT_ERROR
    for path, text in targets:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
        stdout.write(f"created {display_path(path)}\n")
    where = "" if os.path.abspath(args.dir) == os.getcwd() else f"cd {display_path(args.dir)} && "
    stdout.write(f"next: {where}sgverify check   (docs/ci.md shows how to run it in CI)\n")
    return EXIT_OK
