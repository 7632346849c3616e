// The explorer's other commands and settings inside a real VS Code: snapshots saved and compared,
// sources added and selected, settings that rebuild the sources, auto-refresh only while visible,
// revealed secrets in open documents, and go-to-path templates.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { SECRET_MASK } from '../../../src/imds/secrets';
import { parseSnapshot } from '../../../src/imds/snapshot';
import { ImdsSource } from '../../../src/sources/imdsSource';
import type { ExtensionApi } from '../../../src/extension';
import { EMULATOR_SOURCE_ID, INSTANCE_SOURCE_ID } from '../../../src/ui/builtinSources';
import type { CompareResult } from '../../../src/ui/explorerCommands';
import { expandTemplate } from '../../../src/ui/goToPath';
import type { MetadataNode } from '../../../src/ui/treeNodes';
import { activateExtension, screenshot, sleep, waitFor } from '../support';

const config = () => vscode.workspace.getConfiguration('imdsExplorer');

describe('metadata explorer commands and settings', () => {
  let api: ExtensionApi;
  const emulator = (): Emulator => api.emulator!;
  const workspace = () => vscode.workspace.workspaceFolders![0].uri;

  async function node(path: string, sourceId = EMULATOR_SOURCE_ID): Promise<MetadataNode> {
    const found = await api.tree.findNode(sourceId, path);
    assert.ok(found, `node ${path} is in the tree`);
    return found;
  }

  before(async () => {
    api = await activateExtension();
    await waitFor(() => api.emulator, 'the built-in emulator');
    await vscode.commands.executeCommand('imdsExplorer.metadata.focus');
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('saves a snapshot as JSON with the secrets masked, and compares the source with it in a diff editor', async () => {
    const file = vscode.Uri.joinPath(workspace(), 'snapshots', 'emulator.json');
    const saved = await vscode.commands.executeCommand<vscode.Uri>('imdsExplorer.saveSnapshot', { sourceId: EMULATOR_SOURCE_ID, uri: file });
    assert.equal(saved?.toString(), file.toString());
    const text = fs.readFileSync(file.fsPath, 'utf8');
    const snapshot = parseSnapshot(text, file.fsPath);
    const values = new Map(snapshot.entries.map((e) => [e.path, e]));
    assert.equal(values.get('/latest/meta-data/ami-id')?.value, emulator().facts.imageId);
    const rolePath = `/latest/meta-data/iam/security-credentials/${emulator().facts.roleName}`;
    const cred = values.get(rolePath);
    assert.equal(cred?.masked, true);
    assert.equal((JSON.parse(cred!.value!) as Record<string, string>).SecretAccessKey, SECRET_MASK);
    const real = JSON.parse(emulator().getValue(rolePath)!.toString('utf8')) as Record<string, string>;
    assert.ok(!text.includes(real.SecretAccessKey) && !text.includes(real.Token), 'the export holds no secret');

    const typePath = '/latest/meta-data/instance-type';
    emulator().setValue(typePath, 'c7i.large');
    emulator().setValue('/latest/meta-data/tags/instance/Team', 'platform');
    try {
      const result = await vscode.commands.executeCommand<CompareResult>('imdsExplorer.compareWithSnapshot', { sourceId: EMULATOR_SOURCE_ID, uri: file });
      assert.ok(result, 'the compare ran');
      assert.ok(result.diff.changed.some((c) => c.path === typePath), 'instance-type changed');
      assert.ok(result.diff.added.includes('/latest/meta-data/tags/instance/Team'), 'the new tag was added');
      const tab = await waitFor(() => vscode.window.tabGroups.activeTabGroup.activeTab, 'the diff editor');
      assert.ok(tab.input instanceof vscode.TabInputTextDiff, 'a diff editor is open');
      const left = await vscode.workspace.openTextDocument(result.saved);
      const right = await vscode.workspace.openTextDocument(result.current);
      assert.ok(left.getText().includes(`${typePath} = ${emulator().facts.instanceType}`));
      assert.ok(right.getText().includes(`${typePath} = c7i.large`));
      assert.ok(!right.getText().includes(real.SecretAccessKey), 'the rendered snapshot holds no secret');
      await vscode.commands.executeCommand('notifications.clearAll');
      await screenshot('snapshot-compare');
    } finally {
      emulator().setValue(typePath, emulator().facts.instanceType);
      emulator().setValue('/latest/meta-data/tags/instance/Team', undefined);
    }
  });

  it('adds a source as a new root and makes it the active one in the status bar', async () => {
    const other = await startEmulator({ imdsv2: 'required' });
    other.setValue('/latest/meta-data/instance-id', 'i-0fedcba9876543210');
    const source = new ImdsSource({ kind: 'emulator', id: 'test:second', label: 'Second emulator', endpoint: other.url });
    const registration = api.sources.addSource(source);
    try {
      const roots = await api.tree.getChildren();
      assert.deepEqual(roots.map((r) => r.sourceId).slice(-1), ['test:second'], 'added sources come after the built-in ones');
      assert.equal(api.tree.getTreeItem(await node('/latest/meta-data/instance-id', 'test:second')).description, 'i-0fedcba9876543210');
      await vscode.commands.executeCommand('imdsExplorer.selectSource', 'test:second');
      assert.equal(api.sources.active?.id, 'test:second');
      await waitFor(() => api.statusBar.text.includes('Second emulator · IMDSv2'), 'the status bar names the new source');
      assert.match(String(api.tree.getTreeItem(api.tree.sourceNode('test:second')).description), /^active · IMDSv2/);
    } finally {
      registration.dispose();
      await other.close();
    }
    await waitFor(() => api.sources.active?.id === EMULATOR_SOURCE_ID, 'the emulator is active again');
    await waitFor(() => api.statusBar.text.includes('Built-in emulator'), 'the status bar names the emulator again');
  });

  it('rebuilds the sources when settings change: version policy v1-only shows IMDSv1', async () => {
    try {
      await config().update('versionPolicy', 'v1-only', vscode.ConfigurationTarget.Global);
      await waitFor(async () => {
        api.tree.refresh();
        await node('/latest/meta-data/ami-id');
        return api.statusBar.text.endsWith('IMDSv1');
      }, 'the status bar shows IMDSv1');
      const requests = emulator().stats.tokenPuts;
      api.tree.refresh();
      await node('/latest/meta-data/placement/region');
      assert.equal(emulator().stats.tokenPuts, requests, 'no token is asked for');
    } finally {
      await config().update('versionPolicy', undefined, vscode.ConfigurationTarget.Global);
    }
    await waitFor(async () => {
      api.tree.refresh();
      await node('/latest/meta-data/ami-id');
      return api.statusBar.text.endsWith('IMDSv2');
    }, 'back to IMDSv2');
  });

  it('source "direct" opens This instance at the endpoint setting, without the emulator', async () => {
    const instance = await startEmulator();
    instance.setValue('/latest/meta-data/instance-id', 'i-0aaaaaaaaaaaaaaaa');
    try {
      await config().update('endpoint', instance.url, vscode.ConfigurationTarget.Global);
      await config().update('source', 'direct', vscode.ConfigurationTarget.Global);
      await waitFor(() => api.sources.get(INSTANCE_SOURCE_ID) && !api.sources.get(EMULATOR_SOURCE_ID), 'only This instance is open');
      assert.equal(api.emulator, undefined, 'the emulator is stopped');
      assert.equal(api.sources.active?.id, INSTANCE_SOURCE_ID);
      assert.equal(api.tree.getTreeItem(await node('/latest/meta-data/instance-id', INSTANCE_SOURCE_ID)).description, 'i-0aaaaaaaaaaaaaaaa');
      assert.equal(api.tree.getTreeItem(api.tree.sourceNode(INSTANCE_SOURCE_ID)).label, 'This instance');
    } finally {
      await config().update('source', undefined, vscode.ConfigurationTarget.Global);
      await config().update('endpoint', undefined, vscode.ConfigurationTarget.Global);
      await instance.close();
    }
    await waitFor(() => api.sources.get(EMULATOR_SOURCE_ID) && api.emulator && !api.sources.get(INSTANCE_SOURCE_ID), 'back to the emulator');
  });

  it('a bad endpoint setting shows as an error node on This instance', async () => {
    try {
      await config().update('endpoint', 'ftp://example.invalid', vscode.ConfigurationTarget.Global);
      await config().update('source', 'direct', vscode.ConfigurationTarget.Global);
      // Settings apply asynchronously: wait for This instance with the bad endpoint. What was
      // seen last goes into the failure, so a timeout says which part never came.
      let seen = 'nothing checked';
      const kids = await waitFor(async () => {
        seen = `sources [${api.sources.all().map((s) => s.id).join(', ')}]`;
        if (!api.sources.get(INSTANCE_SOURCE_ID) || api.sources.get(EMULATOR_SOURCE_ID)) return undefined;
        const rows = await api.tree.getChildren(api.tree.sourceNode(INSTANCE_SOURCE_ID));
        seen += `, This instance rows [${rows.map((r) => r.kind).join(', ')}]`;
        return rows[0]?.kind === 'error' ? rows : undefined;
      }, 'This instance shows an error').catch((error: Error) => {
        throw new Error(`${error.message}; last seen: ${seen}`);
      });
      assert.equal(kids.length, 1);
      assert.match(String(api.tree.getTreeItem(kids[0]).label), /ftp:/);
    } finally {
      await config().update('source', undefined, vscode.ConfigurationTarget.Global);
      await config().update('endpoint', undefined, vscode.ConfigurationTarget.Global);
    }
    await waitFor(() => api.sources.get(EMULATOR_SOURCE_ID) && api.emulator, 'back to the emulator');
  });

  it("a root asked for after its source closed leaves nothing to the next source opened under its id", async () => {
    // The view asks for the children of the roots it shows; under load such a request can arrive
    // after the root's source was closed. Its empty answer must not be kept for the next source
    // with the same id (This instance, reopened by a settings change).
    const instance = await startEmulator();
    try {
      await config().update('endpoint', instance.url, vscode.ConfigurationTarget.Global);
      await config().update('source', 'direct', vscode.ConfigurationTarget.Global);
      await waitFor(() => api.sources.get(INSTANCE_SOURCE_ID) && !api.sources.get(EMULATOR_SOURCE_ID), 'This instance is open');
      const shown = api.tree.sourceNode(INSTANCE_SOURCE_ID);
      await config().update('source', undefined, vscode.ConfigurationTarget.Global);
      await waitFor(() => !api.sources.get(INSTANCE_SOURCE_ID) && api.sources.get(EMULATOR_SOURCE_ID), 'This instance is closed');
      assert.deepEqual(await api.tree.getChildren(shown), [], 'the late request for the closed root gets nothing');
      await config().update('endpoint', 'ftp://example.invalid', vscode.ConfigurationTarget.Global);
      await config().update('source', 'direct', vscode.ConfigurationTarget.Global);
      let seen: string[] = [];
      await waitFor(async () => {
        if (!api.sources.get(INSTANCE_SOURCE_ID) || api.sources.get(EMULATOR_SOURCE_ID)) return undefined;
        const rows = await api.tree.getChildren(api.tree.sourceNode(INSTANCE_SOURCE_ID));
        seen = rows.map((r) => r.kind);
        return rows[0]?.kind === 'error';
      }, 'the reopened This instance shows its own error').catch((error: Error) => {
        throw new Error(`${error.message}; its root showed [${seen.join(', ')}]`);
      });
    } finally {
      await config().update('source', undefined, vscode.ConfigurationTarget.Global);
      await config().update('endpoint', undefined, vscode.ConfigurationTarget.Global);
      await instance.close();
    }
    await waitFor(() => api.sources.get(EMULATOR_SOURCE_ID) && api.emulator && !api.sources.get(INSTANCE_SOURCE_ID), 'back to the emulator');
  });

  it('auto-refreshes while the view is visible, and stops when it is hidden', async () => {
    const typePath = '/latest/meta-data/instance-type';
    await vscode.commands.executeCommand('imdsExplorer.metadata.focus');
    await node(typePath);
    try {
      await config().update('autoRefreshSeconds', 1, vscode.ConfigurationTarget.Global);
      await waitFor(() => api.autoRefresh.running, 'auto-refresh runs');
      emulator().setValue(typePath, 'r7i.xlarge');
      await waitFor(async () => api.tree.getTreeItem(await node(typePath)).description === 'r7i.xlarge', 'the tree shows the new value without a click');
      await vscode.commands.executeCommand('workbench.view.explorer');
      await waitFor(() => !api.autoRefresh.running, 'auto-refresh stops while the view is hidden');
    } finally {
      await config().update('autoRefreshSeconds', undefined, vscode.ConfigurationTarget.Global);
      emulator().setValue(typePath, emulator().facts.instanceType);
      await vscode.commands.executeCommand('imdsExplorer.metadata.focus');
      api.tree.refresh();
    }
  });

  it('shows a revealed secret in its open document, and masks it again on hide', async () => {
    const rolePath = `/latest/meta-data/iam/security-credentials/${emulator().facts.roleName}`;
    const cred = await node(rolePath);
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('imdsExplorer.openValue', cred);
    const secret = () => (JSON.parse(emulator().getValue(rolePath)!.toString('utf8')) as Record<string, string>).SecretAccessKey;
    assert.equal((JSON.parse(editor.document.getText()) as Record<string, string>).SecretAccessKey, SECRET_MASK);
    await vscode.commands.executeCommand('imdsExplorer.revealSecret', cred);
    await waitFor(() => editor.document.getText().includes(secret()), 'the document shows the secret');
    await vscode.commands.executeCommand('imdsExplorer.hideSecret', cred);
    await waitFor(() => (JSON.parse(editor.document.getText()) as Record<string, string>).SecretAccessKey === SECRET_MASK, 'masked again');
  });

  it('fills go-to-path templates from the listings ({mac}, {role})', async () => {
    const facts = emulator().facts;
    assert.deepEqual(await expandTemplate(api.tree, EMULATOR_SOURCE_ID, '/latest/meta-data/network/interfaces/macs/{mac}/subnet-id'), [`/latest/meta-data/network/interfaces/macs/${facts.mac}/subnet-id`]);
    assert.deepEqual(await expandTemplate(api.tree, EMULATOR_SOURCE_ID, '/latest/meta-data/iam/security-credentials/{role}'), [`/latest/meta-data/iam/security-credentials/${facts.roleName}`]);
    assert.deepEqual(await expandTemplate(api.tree, EMULATOR_SOURCE_ID, '/latest/meta-data/spot/instance-action'), ['/latest/meta-data/spot/instance-action'], 'plain paths stay as they are');
    const missing = await vscode.commands.executeCommand<MetadataNode | undefined>('imdsExplorer.goToPath', { sourceId: EMULATOR_SOURCE_ID, path: 'meta-data/spot/instance-action' });
    assert.equal(missing, undefined, 'a path the instance does not have reveals nothing');
    const dir = await vscode.commands.executeCommand<MetadataNode | undefined>('imdsExplorer.goToPath', 'meta-data/placement');
    assert.equal(dir?.kind, 'directory', 'a directory typed without its slash is found');
    const leaf = await vscode.commands.executeCommand<MetadataNode | undefined>('imdsExplorer.goToPath', 'meta-data/instance-id/');
    assert.ok(leaf?.kind === 'value' && leaf.path === '/latest/meta-data/instance-id', 'a value typed with a slash reveals the value');
  });

  it('go to path without a path opens a picker of catalogued and instance paths, which can be dismissed', async () => {
    const picking = vscode.commands.executeCommand<MetadataNode | undefined>('imdsExplorer.goToPath');
    await sleep(1500);
    await vscode.commands.executeCommand('notifications.clearAll');
    await screenshot('go-to-path-picker');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await picking, undefined, 'dismissed: nothing revealed');
  });

  it('turns a listing that fails into an error node and keeps the rest of the tree', async () => {
    const metaData = await node('/latest/meta-data/');
    const placement = await node('/latest/meta-data/placement/');
    const before = await api.tree.getChildren(metaData);
    emulator().setEnabled(false);
    try {
      api.tree.refresh(placement);
      const kids = await api.tree.getChildren(placement);
      assert.equal(kids.length, 1);
      const error = kids[0];
      assert.ok(error.kind === 'error' && error.error.code === 'Forbidden', 'IMDS off answers 403: an error node');
      assert.match(error.error.remedy ?? '', /http-endpoint enabled/, 'with the remedy');
      assert.deepEqual(await api.tree.getChildren(metaData), before, 'the loaded rest of the tree is untouched');
      emulator().setEnabled(true);
      await vscode.commands.executeCommand('imdsExplorer.retry', error);
      const again = await api.tree.getChildren(placement);
      assert.ok(again.length > 1 && again.every((n) => n.kind === 'value'), 'retry loads the listing');
    } finally {
      emulator().setEnabled(true);
    }
  });

  after(() => {
    const dir = path.join(workspace().fsPath, 'snapshots');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
