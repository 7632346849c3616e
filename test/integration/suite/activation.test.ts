import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { EXTENSION_ID, activateExtension, screenshot, waitFor } from '../support';

describe('activation inside a real VS Code', () => {
  it('runs in VS Code 1.100.x', () => {
    assert.match(vscode.version, /^1\.100\./);
  });

  it('activates and exposes its API', async () => {
    const api = await activateExtension();
    assert.ok(api.tree, 'the API carries the tree');
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.equal(ext?.isActive, true);
  });

  it('runs in the workspace (server-side) extension host, as Remote-SSH needs', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.equal(ext?.extensionKind, vscode.ExtensionKind.Workspace);
    assert.deepEqual(ext?.packageJSON.extensionKind, ['workspace']);
  });

  it('registers its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    const declared: string[] = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands.map((c: { command: string }) => c.command);
    assert.ok(declared.length > 0);
    for (const id of declared) assert.ok(commands.includes(id), `command ${id} is registered`);
  });

  it('registers its view, which can be opened', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.imdsExplorer');
    await vscode.commands.executeCommand('imdsExplorer.metadata.focus');
    const shot = await screenshot('view-welcome');
    if (shot) await waitFor(() => fs.existsSync(shot) && fs.statSync(shot).size > 1000, `screenshot ${shot}`);
  });
});
