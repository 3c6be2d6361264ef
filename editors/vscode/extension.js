// The VS Code client of `scrubber lsp`: starts the language server for .rules and .test files.
// Everything the editor shows (problems, hover, definitions, completion, formatting, semantic
// colours) comes from the server; the TextMate grammar colours the file before it answers.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

const INSTALL = "pip install 'charge-scrubber[lsp]'";
let client;

function makeClient() {
  const configured = vscode.workspace.getConfiguration("scrubber").get("server.command");
  const [command, ...args] = configured && configured.length ? configured : ["scrubber", "lsp"];
  return new LanguageClient(
    "scrubber",
    "Scrubber rules",
    { command, args, transport: TransportKind.stdio },
    {
      documentSelector: [
        { scheme: "file", language: "scrubber-rules" },
        { scheme: "file", language: "scrubber-test" },
      ],
    },
  );
}

async function start() {
  client = makeClient();
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    vscode.window.showErrorMessage(
      `The scrubber language server did not start (${error.message || error}). ` +
        `Install it with ${INSTALL}, or set "scrubber.server.command".`,
    );
  }
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("scrubber.restartServer", async () => {
      if (client) await client.stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("scrubber.server.command")) {
        if (client) await client.stop();
        await start();
      }
    }),
  );
  await start();
}

async function deactivate() {
  if (client) await client.stop();
}

module.exports = { activate, deactivate };
