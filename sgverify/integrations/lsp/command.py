"""``sgverify lsp``: serve the Language Server Protocol over stdin/stdout for an editor
(docs/editor.md). Needs the optional extra ``sgverify[lsp]`` (pygls); without it the
command says what to install and exits 2.

Listed in ``commands.REGISTRY`` by its full module name: the server is in the
integrations layer, above ``commands``, so the command lives beside it."""

from __future__ import annotations

import argparse
from importlib.util import find_spec
from typing import IO

from ...report.gate import EXIT_ERROR, EXIT_OK

NAME = "lsp"
HELP = "serve the Language Server Protocol over stdio (diagnostics and proofs in your editor)"
INSTALL = "pip install 'sgverify[lsp]'"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stdio", action="store_true",
                   help="talk over stdin and stdout (the default and only transport; "
                        "accepted because editors often pass it)")


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    if find_spec("pygls") is None or find_spec("lsprotocol") is None:
        stderr.write("sgverify: error: the language server needs pygls, which is not "
                     f"installed: {INSTALL}\n")
        return EXIT_ERROR
    # lazy: pygls (an optional extra) only when the server starts
    from .server import main
    main()
    return EXIT_OK
