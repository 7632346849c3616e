// The metadata explorer inside a real VS Code, against the built-in emulator the extension runs:
// what the tree shows is checked against what the emulator serves over plain HTTP.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as vscode from 'vscode';
import type { Emulator } from '../../../src/emulator/server';
import { SECRET_MASK } from '../../../src/imds/secrets';
import { ImdsSource } from '../../../src/sources/imdsSource';
import type { ExtensionApi } from '../../../src/extension';
import { EMULATOR_SOURCE_ID } from '../../../src/ui/builtinSources';
import type { MetadataNode } from '../../../src/ui/treeNodes';
import { activateExtension, screenshot, sleep, waitFor } from '../support';

/** The listing the emulator serves, read with a plain HTTP GET (IMDSv1), names without `/`. */
async function rawListing(emulator: Emulator, path: string): Promise<string[]> {
  const res = await fetch(`${emulator.url}${path}`);
  assert.equal(res.status, 200, `GET ${path}`);
  return (await res.text()).split('\n').filter((l) => l !== '').map((l) => l.replace(/\/$/, ''));
}

function names(nodes: MetadataNode[]): string[] {
  return nodes.map((n) => (n.kind === 'directory' || n.kind === 'value' ? n.name : `<${n.kind}>`));
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('metadata explorer tree', () => {
  let api: ExtensionApi;
  let emulator: Emulator;
  const rolePath = () => `/latest/meta-data/iam/security-credentials/${emulator.facts.roleName}`;

  async function node(path: string): Promise<MetadataNode> {
    const found = await api.tree.findNode(EMULATOR_SOURCE_ID, path);
    assert.ok(found, `node ${path} is in the tree`);
    return found;
  }

  before(async () => {
    api = await activateExtension();
    emulator = await waitFor(() => api.emulator, 'the built-in emulator');
    await vscode.commands.executeCommand('workbench.view.extension.imdsExplorer');
    await vscode.commands.executeCommand('imdsExplorer.metadata.focus');
    // A wider side bar, so the screenshots show the values next to the names.
    await vscode.commands.executeCommand('workbench.action.focusSideBar');
    await sleep(200);
    for (let i = 0; i < 4; i++) await vscode.commands.executeCommand('workbench.action.decreaseViewWidth');
  });

  /** Screenshot with the tree in view and no leftover notifications. */
  async function shot(name: string): Promise<void> {
    await vscode.commands.executeCommand('notifications.clearAll');
    const file = await screenshot(name);
    if (file) assert.match(file, new RegExp(`${name}\\.png$`));
  }

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows the built-in emulator as a root that opens on latest/', async () => {
    const roots = await api.tree.getChildren();
    const root = roots.find((n) => n.kind === 'source' && n.sourceId === EMULATOR_SOURCE_ID);
    assert.ok(root, 'the emulator is a root');
    const item = api.tree.getTreeItem(root);
    assert.equal(item.label, 'Built-in emulator');
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    const kids = await api.tree.getChildren(root);
    assert.deepEqual(kids.map((k) => (k.kind === 'directory' ? k.path : k.kind)), ['/latest/']);
    assert.equal(api.tree.getParent(kids[0]), root, 'getParent leads back to the root');
  });

  it("lists latest/, meta-data/ and dynamic/ exactly as the emulator's listings", async () => {
    for (const path of ['/latest/', '/latest/meta-data/', '/latest/dynamic/', '/latest/meta-data/placement/']) {
      const dir = await node(path);
      const kids = await api.tree.getChildren(dir);
      assert.deepEqual(names(kids), await rawListing(emulator, path), `children of ${path}`);
      for (const kid of kids) assert.equal(api.tree.getParent(kid), dir);
    }
  });

  it('renders rows by kind: folders, short values as descriptions, JSON, user-data, stable ids', async () => {
    const amiId = await node('/latest/meta-data/ami-id');
    const ami = api.tree.getTreeItem(amiId);
    assert.equal(ami.description, emulator.facts.imageId);
    assert.equal((ami.iconPath as vscode.ThemeIcon).id, 'symbol-string');
    assert.equal(ami.id, amiId.id);
    assert.match(ami.contextValue ?? '', /^imds:value:text$/);
    const tooltip = (ami.tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /ID of the AMI/, 'tooltip carries the catalog description');
    assert.match(tooltip, /https:\/\/docs\.aws\.amazon\.com\/AWSEC2\/latest\/UserGuide\/instancedata-data-categories\.html/, 'and the AWS doc link');

    const metaData = api.tree.getTreeItem(await node('/latest/meta-data/'));
    assert.equal((metaData.iconPath as vscode.ThemeIcon).id, 'folder');
    assert.equal(metaData.contextValue, 'imds:dir');

    const identity = api.tree.getTreeItem(await node('/latest/dynamic/instance-identity/document'));
    assert.equal((identity.iconPath as vscode.ThemeIcon).id, 'json');
    assert.match(String(identity.description), /^\{ \d+ fields \}$/);

    const userData = api.tree.getTreeItem(await node('/latest/user-data'));
    assert.equal((userData.iconPath as vscode.ThemeIcon).id, 'file-code');
    assert.match(String(userData.description), /^cloud-config · \d+ B$/);

    // Ids survive a reload: the same path gives the same id.
    api.tree.refresh(await node('/latest/meta-data/'));
    assert.equal((await node('/latest/meta-data/ami-id')).id, amiId.id);
  });

  it('expanding iam/security-credentials/ROLE shows its fields with the secrets masked', async () => {
    const cred = await node(rolePath());
    const real = JSON.parse(emulator.getValue(rolePath())!.toString('utf8')) as Record<string, string>;
    const item = api.tree.getTreeItem(cred);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'key');
    assert.match(item.contextValue ?? '', /:secret-masked$/);
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const fields = await api.tree.getChildren(cred);
    const byKey = new Map(fields.map((f) => [f.kind === 'field' ? String(f.keyPath[0]) : '', api.tree.getTreeItem(f)]));
    assert.equal(byKey.get('SecretAccessKey')?.description, SECRET_MASK);
    assert.equal(byKey.get('Token')?.description, SECRET_MASK);
    assert.equal(byKey.get('Code')?.description, 'Success');
    assert.match(String(byKey.get('AccessKeyId')?.description), /^A[SK]IA/);
    // Nothing in the rows or tooltips carries the secret.
    const shown = [item, ...byKey.values()].map((i) => `${i.label} ${i.description} ${(i.tooltip as vscode.MarkdownString | undefined)?.value ?? i.tooltip ?? ''}`).join('\n');
    assert.ok(!shown.includes(real.SecretAccessKey), 'SecretAccessKey not shown');
    assert.ok(!shown.includes(real.Token), 'Token not shown');
  });

  it('reveals a secret on request, for that value only, and hides it again', async () => {
    const cred = await node(rolePath());
    assert.equal(await vscode.commands.executeCommand('imdsExplorer.revealSecret', cred), true);
    const fields = await api.tree.getChildren(cred);
    const secret = fields.find((f) => f.kind === 'field' && f.keyPath[0] === 'SecretAccessKey')!;
    const real = JSON.parse(emulator.getValue(rolePath())!.toString('utf8')) as Record<string, string>;
    assert.equal(api.tree.getTreeItem(secret).description, real.SecretAccessKey);
    assert.match(api.tree.getTreeItem(cred).contextValue ?? '', /:secret-revealed$/);
    // The other credential document stays masked.
    const identityCred = await node('/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance');
    assert.match(api.tree.getTreeItem(identityCred).contextValue ?? '', /:secret-masked$/);
    assert.equal(await vscode.commands.executeCommand('imdsExplorer.hideSecret', cred), true);
    assert.equal(api.tree.getTreeItem(secret).description, SECRET_MASK);
  });

  it('opens a leaf as a read-only imds: document with its value', async () => {
    const amiId = await node('/latest/meta-data/ami-id');
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('imdsExplorer.openValue', amiId);
    assert.equal(editor.document.uri.scheme, 'imds');
    assert.equal(editor.document.uri.path, '/latest/meta-data/ami-id');
    assert.equal(editor.document.getText(), emulator.getValue('/latest/meta-data/ami-id')!.toString('utf8'));
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), editor.document.uri.toString());
  });

  it('opens JSON pretty-printed in JSON mode, and credentials masked', async () => {
    const path = '/latest/dynamic/instance-identity/document';
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('imdsExplorer.openValue', await node(path));
    assert.equal(editor.document.languageId, 'json');
    const raw = emulator.getValue(path)!.toString('utf8');
    assert.equal(editor.document.getText(), `${JSON.stringify(JSON.parse(raw), null, 2)}\n`);
    await shot('json-document');

    const cred = await vscode.commands.executeCommand<vscode.TextEditor>('imdsExplorer.openValue', await node(rolePath()));
    const real = JSON.parse(emulator.getValue(rolePath())!.toString('utf8')) as Record<string, string>;
    const text = cred.document.getText();
    assert.equal(cred.document.languageId, 'json');
    assert.equal((JSON.parse(text) as Record<string, string>).SecretAccessKey, SECRET_MASK);
    assert.ok(!text.includes(real.SecretAccessKey) && !text.includes(real.Token), 'the document holds no secret');
    assert.ok(text.includes(real.AccessKeyId), 'the access key id is shown');

    // The tree beside it: the credentials expanded, their secrets masked.
    await vscode.commands.executeCommand('workbench.actions.treeView.imdsExplorer.metadata.collapseAll');
    await api.view.reveal(api.tree.sourceNode(EMULATOR_SOURCE_ID), { expand: 2 });
    const credNode = await node(rolePath());
    await api.view.reveal(credNode, { expand: true });
    const fields = await api.tree.getChildren(credNode);
    await api.view.reveal(fields.find((f) => f.kind === 'field' && f.keyPath[0] === 'SecretAccessKey')!, { select: true, focus: true });
    await shot('tree-expanded');
  });

  it('copies a value, a path and an IMDSv2 curl command to the clipboard', async () => {
    const region = await node('/latest/meta-data/placement/region');
    assert.equal(await vscode.commands.executeCommand('imdsExplorer.copyValue', region), emulator.facts.region);
    assert.equal(await vscode.env.clipboard.readText(), emulator.facts.region);
    await vscode.commands.executeCommand('imdsExplorer.copyPath', region);
    assert.equal(await vscode.env.clipboard.readText(), '/latest/meta-data/placement/region');
    await vscode.commands.executeCommand('imdsExplorer.copyAsCurl', region);
    const curl = await vscode.env.clipboard.readText();
    assert.match(curl, /-X PUT/, 'asks for a token');
    assert.match(curl, /X-aws-ec2-metadata-token-ttl-seconds/);
    assert.ok(curl.includes(emulator.url), 'aimed at the emulator');
    assert.ok(curl.includes('/latest/meta-data/placement/region'));
    // A masked credential copies masked.
    await vscode.commands.executeCommand('imdsExplorer.copyValue', await node(rolePath()));
    assert.ok((await vscode.env.clipboard.readText()).includes(SECRET_MASK));
  });

  it('go to path reveals a deep node, loading the listings on the way', async () => {
    api.tree.refresh();
    const path = `/latest/meta-data/network/interfaces/macs/${emulator.facts.mac}/subnet-id`;
    const found = await vscode.commands.executeCommand<MetadataNode | undefined>('imdsExplorer.goToPath', { sourceId: EMULATOR_SOURCE_ID, path: `meta-data/network/interfaces/macs/${emulator.facts.mac}/subnet-id` });
    assert.ok(found && found.kind === 'value', 'found the value');
    assert.equal(found.path, path);
    await waitFor(() => api.view.selection[0]?.id === found.id, 'the node is selected');
    assert.equal(api.tree.getTreeItem(found).description, emulator.facts.subnetId);
    // Its ancestors are the macs directory chain.
    const chain: string[] = [];
    for (let n: MetadataNode | undefined = found; n; n = api.tree.getParent(n)) if (n.kind === 'directory' || n.kind === 'value') chain.push(n.path);
    assert.deepEqual(chain.slice(0, 3), [path, `/latest/meta-data/network/interfaces/macs/${emulator.facts.mac}/`, '/latest/meta-data/network/interfaces/macs/']);
    await shot('go-to-path');
  });

  it('shows new values after a refresh when the emulator data changed', async () => {
    const path = '/latest/meta-data/instance-type';
    const before = await node(path);
    assert.equal(api.tree.getTreeItem(before).description, emulator.facts.instanceType);
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('imdsExplorer.openValue', before);
    try {
      emulator.setValue(path, 'm7g.large');
      assert.equal(api.tree.getTreeItem(await node(path)).description, emulator.facts.instanceType, 'cached until refreshed');
      await vscode.commands.executeCommand('imdsExplorer.refresh');
      assert.equal(api.tree.getTreeItem(await node(path)).description, 'm7g.large');
      await waitFor(() => editor.document.getText() === 'm7g.large', 'the open document shows the new value');
    } finally {
      emulator.setValue(path, emulator.facts.instanceType);
      await vscode.commands.executeCommand('imdsExplorer.refresh');
    }
  });

  it('shows an unreachable source as an error node while the emulator keeps working', async () => {
    const port = await closedPort();
    const broken = new ImdsSource({ kind: 'direct', id: 'test:unreachable', label: 'Unreachable instance', endpoint: `http://127.0.0.1:${port}`, connectTimeoutMs: 500, maxRetries: 0 });
    const registration = api.sources.addSource(broken);
    try {
      const root = api.tree.sourceNode('test:unreachable');
      const kids = await api.tree.getChildren(root);
      assert.equal(kids.length, 1);
      const error = kids[0];
      assert.equal(error.kind, 'error');
      if (error.kind !== 'error') return;
      assert.equal(error.error.code, 'Unreachable');
      const item = api.tree.getTreeItem(error);
      assert.equal(item.contextValue, 'imds:error');
      assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error');
      assert.match(String(item.label), new RegExp(`127\\.0\\.0\\.1:${port}`));
      const actions = await api.tree.getChildren(error);
      const commands = actions.map((a) => api.tree.getTreeItem(a).command?.command);
      assert.deepEqual(commands.filter(Boolean), ['imdsExplorer.retry', 'imdsExplorer.openSettings', 'imdsExplorer.diagnose']);
      assert.ok(actions.some((a) => a.kind === 'action' && a.icon === 'lightbulb' && a.label === error.error.remedy), 'the remedy is shown');
      // The emulator still answers through the same tree.
      assert.equal(api.tree.getTreeItem(await node('/latest/meta-data/instance-id')).description, emulator.facts.instanceId);
      // Collapse the rest so the error is in sight, then show it with its actions.
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('workbench.actions.treeView.imdsExplorer.metadata.collapseAll');
      await api.view.reveal(api.tree.sourceNode(EMULATOR_SOURCE_ID), { expand: 1 });
      await api.view.reveal(error, { select: true, focus: true, expand: true });
      await shot('error-node');
      // Retry fails the same way (the port is still closed), and still as one error node.
      await vscode.commands.executeCommand('imdsExplorer.retry', error);
      const again = await api.tree.getChildren(root);
      assert.deepEqual(again.map((n) => n.kind), ['error']);
    } finally {
      registration.dispose();
    }
    assert.equal(api.sources.get('test:unreachable'), undefined);
  });

  it('logs requests (method, path, status, ms) and never a secret value', async () => {
    await node(rolePath());
    await vscode.commands.executeCommand('imdsExplorer.revealSecret', await node(rolePath()));
    await vscode.commands.executeCommand('imdsExplorer.openValue', await node(rolePath()));
    await vscode.commands.executeCommand('imdsExplorer.hideSecret', await node(rolePath()));
    const lines = api.logLines();
    assert.ok(lines.some((l) => /\] GET \/latest\/meta-data\/ami-id 200 \d+ ms/.test(l)), 'request lines are logged');
    assert.ok(lines.some((l) => /\] PUT \/latest\/api\/token 200 \d+ ms/.test(l)), 'the token request is logged');
    const real = JSON.parse(emulator.getValue(rolePath())!.toString('utf8')) as Record<string, string>;
    const identity = JSON.parse(emulator.getValue('/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance')!.toString('utf8')) as Record<string, string>;
    const all = lines.join('\n');
    for (const secret of [real.SecretAccessKey, real.Token, identity.SecretAccessKey, identity.Token]) {
      assert.ok(secret && secret.length > 8);
      assert.ok(!all.includes(secret), 'no secret in the log');
    }
    assert.ok(!/x-aws-ec2-metadata-token\s*:\s*(?!\*)/i.test(all), 'no token header value in the log');
  });

  it('shows the active source and IMDS mode in the status bar', async () => {
    await waitFor(() => api.statusBar.text.includes('IMDSv2'), 'the status bar shows IMDSv2');
    assert.match(api.statusBar.text, /Built-in emulator · IMDSv2$/);
  });
});
