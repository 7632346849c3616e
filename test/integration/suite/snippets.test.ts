// Snippets inside a real VS Code: "IMDS: Insert Snippet…" on a node writes the generated text at
// the cursor of the active editor; from the palette it asks for the variant and the path in quick
// picks; the static snippets (snippets/shellscript.json) are offered by the completion list.
// Screenshots: snippet-inserted.png, snippet-path-pick.png.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import { knownPaths } from '../../../src/imds/catalog';
import { bashImdsV2 } from '../../../src/snippets';
import { EMULATOR_SOURCE_ID } from '../../../src/ui/builtinSources';
import { nodePath } from '../../../src/ui/treeNodes';
import { activateExtension, screenshot, sleep, waitFor } from '../support';

const INSERT = 'imdsExplorer.insertSnippet';
const INSTANCE_ID = '/latest/meta-data/instance-id';
const REGION = '/latest/meta-data/placement/region';

// A script with a line above and below the cursor's empty line 2, so both must survive unchanged.
const ABOVE = '#!/usr/bin/env bash\nset -u\n';
const BELOW = '\necho "done"\n';

// Untitled documents this suite opened: reverted before closing, or closing them would ask to save.
// Each has a name of its own: VS Code reuses `Untitled-N` names, and an extension host that has not
// yet seen the old one close could hand it out again for the new one.
const opened: vscode.TextDocument[] = [];
let untitledCount = 0;

async function shellEditor(content: string): Promise<vscode.TextEditor> {
  const uri = vscode.Uri.from({ scheme: 'untitled', path: `snippet-test-${++untitledCount}.sh` });
  const document = await vscode.workspace.openTextDocument(uri);
  opened.push(document);
  const editor = await vscode.window.showTextDocument(document);
  await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), content));
  assert.equal(document.getText(), content);
  assert.equal(document.languageId, 'shellscript', 'a .sh document is a shell script');
  // The insert command works on the active editor: make sure the extension host sees this one.
  await waitFor(() => vscode.window.activeTextEditor?.document === document, `${uri.path} is the active editor`);
  return editor;
}

async function closeOpened(): Promise<void> {
  for (const document of opened.splice(0)) {
    if (document.isClosed) continue;
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await waitFor(() => document.isClosed, `${document.uri.path} closed`);
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

function repoFile(name: string): string {
  return path.join(process.env.IMDS_REPO_ROOT ?? path.resolve(__dirname, '../../../..'), name);
}

async function shot(name: string): Promise<void> {
  const file = await screenshot(name);
  if (file) await waitFor(() => fs.existsSync(file) && fs.statSync(file).size > 1000, `screenshot ${file}`);
}

/** Settles when the promise does, or reports it still pending after `ms` (commands waiting on a quick pick). */
async function settledWithin<T>(promise: Thenable<T>, ms: number): Promise<boolean> {
  let settled = false;
  void Promise.resolve(promise).then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms);
  return settled;
}

function labelOf(item: vscode.CompletionItem): string {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

describe('snippets in VS Code', () => {
  let api: ExtensionApi;

  before(async () => {
    api = await activateExtension();
    await waitFor(() => api.sources.get(EMULATOR_SOURCE_ID), 'the built-in emulator source');
  });

  afterEach(async () => {
    // A quick pick left open by a failed test must not swallow the next suite's commands.
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await closeOpened();
  });

  it('Insert Snippet on a node writes the generated bash IMDSv2 snippet at the cursor, leaving the text around it', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const editor = await shellEditor(ABOVE + BELOW);
    const cursor = new vscode.Position(2, 0);
    editor.selection = new vscode.Selection(cursor, cursor);

    const expected = bashImdsV2(INSTANCE_ID);
    assert.ok(expected.includes(`'${INSTANCE_ID}'`) && expected.includes('-X PUT'), 'the generator makes an IMDSv2 script for the path');
    // As from the tree's context menu: the node (anything with a path) and the variant.
    const returned = await vscode.commands.executeCommand<string | undefined>(INSERT, { path: INSTANCE_ID }, 'bash-imdsv2');
    assert.equal(returned, expected);
    assert.equal(vscode.window.activeTextEditor?.document, editor.document, 'inserted into the active editor, no new one');
    assert.equal(editor.document.getText(), ABOVE + expected + BELOW);
    // The cursor ends after the snippet, on the line that was below it.
    const end = editor.document.positionAt((ABOVE + expected).length);
    assert.ok(editor.selection.isEmpty && editor.selection.active.isEqual(end), `cursor at ${end.line}:${end.character}`);
    assert.equal(editor.document.lineAt(end.line).text, '', 'the empty line the cursor was on follows the snippet');

    await vscode.commands.executeCommand('workbench.view.extension.imdsExplorer');
    const node = await waitFor(() => api.tree.findNode(EMULATOR_SOURCE_ID, INSTANCE_ID), 'instance-id in the tree');
    await api.view.reveal(node, { select: true, focus: false, expand: true });
    await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('notifications.clearAll');
    await shot('snippet-inserted');
  });

  it('a cursor inside a line and a second cursor each get the snippet, the rest of the line kept', async () => {
    const editor = await shellEditor('echo a; echo b\n');
    const mid = new vscode.Position(0, 'echo a; '.length);
    const end = new vscode.Position(0, 'echo a; echo b'.length);
    editor.selections = [new vscode.Selection(mid, mid), new vscode.Selection(end, end)];
    const expected = bashImdsV2(REGION);
    await vscode.commands.executeCommand(INSERT, { value: { path: REGION } }, 'bash-imdsv2');
    assert.equal(editor.document.getText(), `echo a; ${expected}echo b${expected}\n`);
  });

  /** Selects the node in the metadata view (without focusing it): the path picker offers it first. */
  async function selectInTree(path: string): Promise<void> {
    await vscode.commands.executeCommand('workbench.view.extension.imdsExplorer');
    const node = await waitFor(() => api.tree.findNode(EMULATOR_SOURCE_ID, path), `${path} in the tree`);
    await api.view.reveal(node, { select: true, focus: false, expand: true });
    await waitFor(() => api.view.selection.length === 1 && nodePath(api.view.selection[0]) === path, `${path} selected in the tree`);
  }

  it('from the palette (no node) it asks for the variant and then the path: the tree\'s selection first', async () => {
    await selectInTree(REGION);
    const editor = await shellEditor(ABOVE + BELOW);
    editor.selection = new vscode.Selection(2, 0, 2, 0);

    const running = vscode.commands.executeCommand<string | undefined>(INSERT);
    // Without an answer in the pickers the command waits and the editor stays as it was.
    assert.equal(await settledWithin(running, 1000), false, 'the command waits for a pick');
    assert.equal(editor.document.getText(), ABOVE + BELOW);
    // Accept the first item of each picker as it comes: the variant (a shell editor: bash + curl
    // IMDSv2 first), then the path (the node selected in the tree first).
    let done = false;
    void Promise.resolve(running).then(() => (done = true), () => (done = true));
    await waitFor(async () => {
      if (!done) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await sleep(200);
      return done;
    }, 'the insert command to finish after accepting the pickers');

    const expected = bashImdsV2(REGION);
    assert.equal(await running, expected);
    assert.equal(editor.document.getText(), ABOVE + expected + BELOW);
  });

  it('from the palette the path picker lists the catalog: the next item after the selection is /latest/', async () => {
    await selectInTree(REGION);
    const catalog = knownPaths().map((k) => k.path);
    const editor = await shellEditor(ABOVE + BELOW);
    editor.selection = new vscode.Selection(2, 0, 2, 0);
    // The variant given, as a keybinding could: only the path picker opens (a quick pick shown
    // from the extension host reaches the workbench before the commands sent after it).
    const running = vscode.commands.executeCommand<string | undefined>(INSERT, undefined, 'bash-imdsv2');
    assert.equal(await settledWithin(running, 800), false, 'the command waits for a path');
    await shot('snippet-path-pick');
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const inserted = await running;

    // The list is [selection, catalog without it...]: the second item is the catalog's first.
    const items = [REGION, ...catalog.filter((p) => p !== REGION)];
    assert.equal(items[1], '/latest/');
    assert.equal(inserted, bashImdsV2(items[1]));
    assert.equal(editor.document.getText(), ABOVE + bashImdsV2(items[1]) + BELOW);
  });

  it('Escape in the path picker inserts nothing', async () => {
    const editor = await shellEditor(ABOVE + BELOW);
    const running = vscode.commands.executeCommand<string | undefined>(INSERT, undefined, 'bash-imdsv2');
    assert.equal(await settledWithin(running, 800), false, 'the command waits for a path');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await running, undefined);
    assert.equal(editor.document.getText(), ABOVE + BELOW);
  });

  it('the static snippets are in the completion list of a shell script: imds-token after typing imds-', async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri;
    assert.ok(workspace, `a workspace is open (${process.env.IMDS_TEST_WORKSPACE ?? 'IMDS_TEST_WORKSPACE unset'})`);
    const uri = vscode.Uri.joinPath(workspace, 'snippet-completion.sh');
    await vscode.workspace.fs.writeFile(uri, Buffer.from('#!/usr/bin/env bash\nimds-'));
    const document = await vscode.workspace.openTextDocument(uri);
    assert.equal(document.languageId, 'shellscript', 'a .sh file is a shell script');
    await vscode.window.showTextDocument(document);
    const position = new vscode.Position(1, 'imds-'.length);

    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, position);
    const snippets = list.items.filter((item) => item.kind === vscode.CompletionItemKind.Snippet).map(labelOf);
    assert.ok(snippets.includes('imds-token'), `imds-token among the snippet completions: ${snippets.join(', ')}`);
    assert.ok(snippets.includes('imds-get'), 'imds-get too');
    const token = list.items.find((item) => labelOf(item) === 'imds-token')!;
    const body = token.insertText instanceof vscode.SnippetString ? token.insertText.value : String(token.insertText);
    assert.match(body, /curl -fsS .* -X PUT/, 'its body asks for the token with curl -f');

    // Every shell prefix is offered; a PowerShell-only one is not (the list is per language).
    const prefixes = (language: string) => Object.values(JSON.parse(fs.readFileSync(repoFile(`snippets/${language}.json`), 'utf8')) as Record<string, { prefix: string }>).map((s) => s.prefix);
    const shellPrefixes = prefixes('shellscript');
    for (const prefix of shellPrefixes) assert.ok(snippets.includes(prefix), `${prefix} is offered`);
    const powershellOnly = prefixes('powershell').filter((p) => !shellPrefixes.includes(p));
    assert.ok(powershellOnly.length > 0, 'snippets/powershell.json has a prefix of its own');
    for (const prefix of powershellOnly) assert.ok(!snippets.includes(prefix), `${prefix} (PowerShell) is not offered in a shell script`);
    await vscode.workspace.fs.delete(uri);
  });
});
