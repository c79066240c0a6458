"""The language server for .sgv files (``sgverify lsp``, docs/editor.md): ``server`` wires
pygls to the plain modules beside it, which know nothing of the protocol library."""
