// The sgverify extension: starts `sgverify lsp` (the command is the setting sgverify.command)
// and connects VS Code to it over stdio. Everything else is the server's (docs/editor.md).
"use strict";
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("sgverify");
  const [command, ...args] = config.get("command", ["sgverify", "lsp"]);
  const serverOptions = { command, args, options: { env: process.env } };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "sgv" }],
    initializationOptions: {
      debounceMs: config.get("debounceMs"),
      changeBudgetMs: config.get("changeBudgetMs"),
      timeoutSeconds: config.get("timeoutSeconds"),
      lint: config.get("lint"),
      cache: config.get("cache"),
    },
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.sgv") },
  };
  client = new LanguageClient("sgverify", "sgverify", serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
