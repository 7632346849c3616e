// User-data inside a real VS Code: the built-in emulator serves the MIME fixture, "Open Decoded
// User-Data" shows its three parts in their languages with the size verdict, and "Check
// User-Data Size" reports the right numbers for workspace files.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, screenshot, waitFor } from '../support';

const CHECK_SIZE = 'imdsExplorer.checkUserDataSize';
const OPEN_DECODED = 'imdsExplorer.openDecodedUserData';
const SERVE_FROM_FILE = 'imdsExplorer.serveUserDataFromFile';

interface OpenedResult {
  decoded: { summary: string; layers: string[]; parts: { contentType: string; filename?: string; language: string }[] };
  size: { rawBytes: number; level: string };
  editors: vscode.TextEditor[];
  statusText: string;
}

interface SizeResult {
  check: { rawBytes: number; limit: number; base64Length: number; remaining: number; level: string; gzipWouldFit?: boolean };
  report: string;
  statusText: string;
}

function fixturePath(name: string): string {
  const root = process.env.IMDS_REPO_ROOT ?? path.resolve(__dirname, '../../../..');
  return path.join(root, 'test/fixtures/user-data', name);
}

describe('user-data in VS Code', () => {
  let originalUserData: Buffer | undefined;

  before(async () => {
    const api = await activateExtension();
    assert.ok(api.emulator, 'the built-in emulator runs');
    originalUserData = api.emulator.getValue('/latest/user-data');
  });

  after(async () => {
    // Later suites see the emulator's user-data as it was.
    const api = await activateExtension();
    api.emulator?.setUserData(originalUserData ?? null);
    api.tree.refresh();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens the emulator\'s MIME user-data as three read-only parts in their languages, with the size status', async () => {
    const api = await activateExtension();
    const mime = fs.readFileSync(fixturePath('mime-3-parts.txt'));
    api.emulator!.setUserData(mime);
    api.tree.refresh();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    const opened = await vscode.commands.executeCommand<OpenedResult>(OPEN_DECODED);
    assert.ok(opened, 'the command returned what it opened');
    assert.equal(opened.decoded.summary, 'MIME, 3 parts');
    assert.deepEqual(
      opened.decoded.parts.map((part) => [part.contentType, part.filename, part.language]),
      [
        ['text/x-shellscript', 'setup.sh', 'shellscript'],
        ['text/cloud-config', 'config.yaml', 'yaml'],
        ['text/cloud-boothook', 'boothook.sh', 'shellscript'],
      ],
    );
    assert.deepEqual(
      opened.editors.map((editor) => editor.document.languageId),
      ['shellscript', 'yaml', 'shellscript'],
    );
    assert.ok(opened.editors.every((editor) => editor.document.uri.scheme === 'imds-userdata'));
    assert.match(opened.editors[1].document.getText(), /^# ── part 2\/3: text\/cloud-config \(config.yaml\) ──\n/);
    assert.ok(opened.editors[0].document.getText().includes('dnf install -y nginx'));
    assert.equal(opened.size.rawBytes, mime.length);
    assert.equal(opened.statusText, `$(pass) user-data ${mime.length.toLocaleString('en-US')}/16,384 B (${Math.floor((mime.length / 16384) * 1000) / 10}%)`);

    // The first part is in front, and read-only: typing changes nothing (while it does change a
    // normal editor, so the check can fail).
    const front = vscode.window.activeTextEditor;
    assert.equal(front?.document.uri.toString(), opened.editors[0].document.uri.toString());
    const before = front!.document.getText();
    await vscode.commands.executeCommand('type', { text: 'typed into a read-only part' });
    assert.equal(front!.document.getText(), before);
    assert.equal(front!.document.isDirty, false);
    const control = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: '' }));
    await vscode.commands.executeCommand('type', { text: 'typed' });
    assert.equal(control.document.getText(), 'typed');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('shows the decoded MIME user-data in one document with sections and the size check (screenshot)', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const opened = await vscode.commands.executeCommand<OpenedResult>(OPEN_DECODED, undefined, { layout: 'combined' });
    assert.equal(opened.editors.length, 1);
    const text = opened.editors[0].document.getText();
    assert.match(text, /^# user-data \(.*\): MIME, 3 parts\n# size: [\d,]+ of 16,384 bytes/);
    for (const heading of ['part 1/3: text/x-shellscript (setup.sh)', 'part 2/3: text/cloud-config (config.yaml)', 'part 3/3: text/cloud-boothook (boothook.sh)']) {
      assert.ok(text.includes(`# ── ${heading} ──`), heading);
    }
    const shot = await screenshot('userdata-mime-decoded');
    if (shot) await waitFor(() => fs.existsSync(shot) && fs.statSync(shot).size > 1000, `screenshot ${shot}`);
  });

  it('"Check User-Data Size" on workspace files reports the right numbers', async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri;
    assert.ok(workspace, 'a workspace is open');
    const over = vscode.Uri.joinPath(workspace, 'size-16385.sh');
    const at = vscode.Uri.joinPath(workspace, 'size-16384.sh');
    await vscode.workspace.fs.writeFile(over, fs.readFileSync(fixturePath('size-16385.sh')));
    await vscode.workspace.fs.writeFile(at, fs.readFileSync(fixturePath('size-16384.sh')));

    // As from the Explorer's context menu: the file's URI.
    const fromExplorer = await vscode.commands.executeCommand<SizeResult>(CHECK_SIZE, over);
    assert.deepEqual(
      [fromExplorer.check.rawBytes, fromExplorer.check.limit, fromExplorer.check.base64Length, fromExplorer.check.remaining, fromExplorer.check.level],
      [16385, 16384, 21848, -1, 'over'],
    );
    assert.equal(fromExplorer.check.gzipWouldFit, true);
    assert.match(fromExplorer.report, /^size-16385\.sh: 16,385 of 16,384 bytes \(100\.1%\), 1 byte over the limit: EC2 rejects it\./);

    // As from the palette: the active editor.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(at));
    const fromEditor = await vscode.commands.executeCommand<SizeResult>(CHECK_SIZE);
    assert.deepEqual([fromEditor.check.rawBytes, fromEditor.check.remaining, fromEditor.check.level], [16384, 0, 'warn']);
    assert.equal(fromEditor.statusText, '$(warning) user-data 16,384/16,384 B (100%)');
    const shot = await screenshot('userdata-size-check');
    if (shot) await waitFor(() => fs.existsSync(shot) && fs.statSync(shot).size > 1000, `screenshot ${shot}`);
  });

  it('"Serve User-Data from File" makes the emulator answer user-data with the file', async () => {
    const api = await activateExtension();
    const workspace = vscode.workspace.workspaceFolders![0].uri;
    const file = vscode.Uri.joinPath(workspace, 'powershell.txt');
    await vscode.workspace.fs.writeFile(file, fs.readFileSync(fixturePath('powershell.txt')));
    const check = await vscode.commands.executeCommand<{ rawBytes: number }>(SERVE_FROM_FILE, file);
    assert.equal(check.rawBytes, fs.statSync(fixturePath('powershell.txt')).size);
    assert.ok(api.emulator!.getValue('/latest/user-data')?.equals(fs.readFileSync(fixturePath('powershell.txt'))));
    const opened = await vscode.commands.executeCommand<OpenedResult>(OPEN_DECODED);
    assert.equal(opened.decoded.summary, 'Windows <powershell> (persist)');
    assert.deepEqual(opened.editors.map((editor) => editor.document.languageId), ['powershell']);
  });
});
