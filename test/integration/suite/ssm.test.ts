// An SSM source inside a real VS Code: "IMDS: Add SSM Instance…" with the local SSM endpoint (the
// machine-scoped endpoint setting) and a test profile adds a root whose tree is the remote one (the
// endpoint's "instance" runs the script here against an emulator). "IMDS: Compare SSM Fleet…" reads
// two such instances with one Run Command and opens what differs between them.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { lazyModulesLoaded } from '../../../src/aws/lazyModules';
import type { ExtensionApi } from '../../../src/extension';
import type { Emulator } from '../../../src/emulator/server';
import { startEmulator } from '../../../src/emulator/server';
import type { MetadataSource } from '../../../src/imds/types';
import type { MetadataNode } from '../../../src/ui/treeNodes';
import { startSsmEndpoint, type SsmEndpoint } from '../../support/ssmEndpoint';
import { isolateAwsEnvironment, type IsolatedAws } from '../../support/ssm/fixtures';
import { activateExtension, screenshot, waitFor } from '../support';

const INSTANCE = 'i-0123456789abcdef0';
const ADD_INSTANCE = 'imdsExplorer.ssm.addInstance';
const COMPARE_FLEET = 'imdsExplorer.ssm.compareFleet';
const SECOND = 'i-0fedcba9876543210';

describe('SSM source in VS Code', function () {
  this.timeout(60_000);
  let api: ExtensionApi;
  let aws: IsolatedAws | undefined;
  let emulator: Emulator | undefined;
  let secondEmulator: Emulator | undefined;
  let endpoint: SsmEndpoint | undefined;
  let added: MetadataSource[] = [];

  before(async function () {
    api = await activateExtension();
    if (!(await vscode.commands.getCommands(true)).includes(ADD_INSTANCE)) {
      // registerSsmCommands (src/ui/ssmCommands.ts) is called from activate(); until then there is nothing to test.
      this.skip();
    }
    aws = isolateAwsEnvironment();
    emulator = await startEmulator({});
    emulator.setValue('/latest/meta-data/tags/instance/Name', 'remote-web-1');
    endpoint = await startSsmEndpoint({
      instances: [{ instanceId: INSTANCE, computerName: 'remote-web-1', env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: emulator.url } }],
    });
    aws.write('[profile ssm-test]\nregion = eu-west-1\n', `[ssm-test]\naws_access_key_id = ${endpoint.credentials.accessKeyId}\naws_secret_access_key = ${endpoint.credentials.secretAccessKey}\n`);
    await vscode.workspace.getConfiguration('imdsExplorer').update('ssm.endpoint', endpoint.url, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    for (const source of added) await api?.sources.removeSource(source.id);
    await vscode.workspace.getConfiguration('imdsExplorer').update('ssm.endpoint', undefined, vscode.ConfigurationTarget.Global);
    await endpoint?.close();
    await emulator?.close();
    await secondEmulator?.close();
    aws?.restore();
  });

  it('adds the instance as a tree root showing the remote tree, read with one Run Command', async () => {
    const sent = endpoint!.countOf('SendCommand');
    added = ((await vscode.commands.executeCommand(ADD_INSTANCE, { instanceId: INSTANCE, region: 'eu-west-1', profile: 'ssm-test', name: 'remote-web-1', transport: 'runCommand' })) as MetadataSource[] | undefined) ?? [];
    assert.equal(added.length, 1, 'the command returns the source it added');
    const source = added[0];
    assert.equal(source.kind, 'ssm');
    await vscode.commands.executeCommand('workbench.view.extension.imdsExplorer');
    const metaData = await waitFor(() => api.tree.findNode(source.id, '/latest/meta-data/'), 'the SSM root shows meta-data/');
    const kids: MetadataNode[] = await api.tree.getChildren(metaData);
    const names = kids.map((n) => (n.kind === 'directory' || n.kind === 'value' ? n.name : `<${n.kind}>`));
    const direct = (await (await fetch(`${emulator!.url}/latest/meta-data/`)).text()).split('\n').filter(Boolean).map((l) => l.replace(/\/$/, ''));
    assert.deepEqual(names, direct);
    const tag = await waitFor(() => api.tree.findNode(source.id, '/latest/meta-data/tags/instance/Name'), 'the Name tag node');
    assert.match(String(api.tree.getTreeItem(tag).description ?? ''), /remote-web-1/);
    assert.equal(endpoint!.countOf('SendCommand'), sent + 1, 'the whole tree came from one command');
    assert.equal(endpoint!.calls.at(-1)?.region, 'eu-west-1');
    await vscode.commands.executeCommand('notifications.clearAll');
    // Show the SSM root, not the emulator above it: collapse everything, then reveal the Name tag.
    await vscode.commands.executeCommand('workbench.actions.treeView.imdsExplorer.metadata.collapseAll');
    await api.view.reveal(tag, { select: true, focus: false, expand: true });
    await screenshot('ssm-source');
  });

  it('with transport session: one Session Manager session, no SendCommand, and the status bar says which transport served it', async () => {
    await vscode.workspace.getConfiguration('imdsExplorer').update('ssm.transport', 'session', vscode.ConfigurationTarget.Global);
    try {
      const sent = endpoint!.countOf('SendCommand');
      const started = endpoint!.countOf('StartSession');
      // Another Region makes another source id, next to the Run Command one (the endpoint serves any Region).
      const viaSession = ((await vscode.commands.executeCommand(ADD_INSTANCE, { instanceId: INSTANCE, region: 'eu-west-2', profile: 'ssm-test', name: 'remote-web-1' })) as MetadataSource[] | undefined) ?? [];
      assert.equal(viaSession.length, 1);
      added.push(...viaSession);
      const source = viaSession[0];
      api.sources.select(source.id);
      const tag = await waitFor(() => api.tree.findNode(source.id, '/latest/meta-data/tags/instance/Name'), 'the Name tag node through the session');
      assert.match(String(api.tree.getTreeItem(tag).description ?? ''), /remote-web-1/);
      assert.equal(endpoint!.countOf('StartSession'), started + 1, 'one session');
      assert.equal(endpoint!.countOf('SendCommand'), sent, 'no Run Command');
      await waitFor(() => endpoint!.openSessions() === 0 || undefined, 'the session is closed');
      api.statusBar.update();
      assert.match(api.statusBar.tooltipText, /Transport: Session Manager session/);
      // The extension loaded the SSM client and the session's WebSocket as lazy modules of their own.
      const lazy = lazyModulesLoaded();
      for (const room of ['ssm-source.mjs', 'ssm-client.mjs', 'aws-credentials.mjs', 'session-websocket.mjs']) assert.ok(lazy.includes(room), `${room} loaded (${lazy.join(', ')})`);
      await vscode.commands.executeCommand('workbench.actions.treeView.imdsExplorer.metadata.collapseAll');
      // Not selected: selecting a node makes its source the active one, and the next test reads the first source.
      await api.view.reveal(tag, { select: false, focus: false, expand: true });
      await screenshot('ssm-session');

      // Show SSM Script for this source: the readable script after a header with its SHA-256.
      const editor = (await vscode.commands.executeCommand('imdsExplorer.ssm.showScript')) as vscode.TextEditor | undefined;
      assert.ok(editor);
      const text = editor.document.getText();
      const hash = /imds-explorer-sha256=([0-9a-f]{64})/.exec(text)?.[1];
      assert.ok(hash, text.slice(0, 400));
      const command = String((endpoint!.calls.filter((c) => c.operation === 'StartSession').at(-1)!.body.Parameters as { command: string[] }).command[0]);
      assert.ok(command.endsWith(`imds-explorer-sha256=${hash}`), 'the session command carries the hash shown');
      assert.equal(editor.document.languageId, 'shellscript');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    } finally {
      // This source is done: the next tests work on the first one.
      for (const source of added.splice(1)) await api.sources.removeSource(source.id);
      await vscode.workspace.getConfiguration('imdsExplorer').update('ssm.transport', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('shows the SSM script read-only', async () => {
    api.sources.select(added[0].id);
    const editor = (await vscode.commands.executeCommand('imdsExplorer.ssm.showScript')) as vscode.TextEditor | undefined;
    assert.ok(editor, 'an editor opened');
    assert.equal(editor.document.uri.scheme, 'imds-ssm-script');
    assert.match(editor.document.getText(), /^#!\/bin\/sh\n# EC2 Instance Metadata Explorer: IMDS snapshot script/);
    assert.equal(editor.document.languageId, 'shellscript');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('compares two instances with one Run Command: only the paths that differ, one column each', async () => {
    // A second instance whose IMDS differs in its instance type and Name tag, and agrees on the rest.
    secondEmulator = await startEmulator({});
    secondEmulator.setValue('/latest/meta-data/tags/instance/Name', 'remote-web-2');
    secondEmulator.setValue('/latest/meta-data/instance-type', 'c7g.xlarge');
    endpoint!.setInstance({ instanceId: SECOND, computerName: 'remote-web-2', env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: secondEmulator.url } });
    const firstType = await (await fetch(`${emulator!.url}/latest/meta-data/instance-type`)).text();
    assert.notEqual(firstType, 'c7g.xlarge');
    const amiId = await (await fetch(`${emulator!.url}/latest/meta-data/ami-id`)).text();
    assert.equal(await (await fetch(`${secondEmulator.url}/latest/meta-data/ami-id`)).text(), amiId, 'ami-id is the same on both');

    const sent = endpoint!.countOf('SendCommand');
    const editor = (await vscode.commands.executeCommand(COMPARE_FLEET, {
      instanceIds: [INSTANCE, SECOND], profile: 'ssm-test', region: 'eu-west-1', endpoint: endpoint!.url,
    })) as vscode.TextEditor | undefined;
    assert.ok(editor, 'the comparison opened');
    assert.equal(endpoint!.countOf('SendCommand'), sent + 1, 'one Run Command for the fleet');
    const send = endpoint!.calls.filter((c) => c.operation === 'SendCommand').at(-1)!;
    assert.deepEqual(send.body.InstanceIds, [INSTANCE, SECOND]);
    assert.equal(editor.document.uri.scheme, 'imds-ssm-fleet');
    assert.equal(editor.document.languageId, 'markdown');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), editor.document.uri.toString());

    const text = editor.document.getText();
    const lines = text.split('\n');
    assert.ok(lines.includes(`| Path | ${INSTANCE} | ${SECOND} |`), text);
    assert.ok(lines.includes(`| \`/latest/meta-data/instance-type\` | \`${firstType}\` | \`c7g.xlarge\` |`), text);
    assert.ok(lines.includes('| `/latest/meta-data/tags/instance/Name` | `remote-web-1` | `remote-web-2` |'), text);
    assert.ok(!text.includes('/latest/meta-data/ami-id'), 'an equal path is not listed');
    assert.ok(!text.includes('/latest/meta-data/placement/region'), 'an equal path is not listed');
    assert.match(text, /^\*\*\d+ paths differ across 2 instances; \d+ are the same\.\*\*$/m);
    assert.doesNotMatch(text, /Not compared|Not sent/, 'both instances answered');
    await screenshot('ssm-fleet-compare');
    await vscode.commands.executeCommand('notifications.clearAll');
    // What "Open Preview" on the summary shows: the same table rendered.
    await vscode.commands.executeCommand('markdown.showPreview', editor.document.uri);
    await new Promise((resolve) => setTimeout(resolve, 2000)); // the preview renders in a webview, after the command returns
    await screenshot('ssm-fleet-compare-preview');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('closes an added SSM source from its root; the built-in emulator stays (it follows the setting)', async () => {
    const source = added[0];
    const root = await waitFor(() => api.tree.sourceNode(source.id), 'the SSM root');
    assert.match(String(api.tree.getTreeItem(root).contextValue), /^imds:source:ssm/, 'the menu entry applies to this root');
    assert.equal(await vscode.commands.executeCommand('imdsExplorer.removeSource', root), true);
    assert.equal(api.sources.get(source.id), undefined, 'the source is gone');
    assert.ok(!(await api.tree.getChildren()).some((n: MetadataNode) => n.sourceId === source.id), 'and so is its root');
    const emulatorRoot = (await api.tree.getChildren()).find((n: MetadataNode) => n.sourceId !== source.id)!;
    assert.equal(await vscode.commands.executeCommand('imdsExplorer.removeSource', emulatorRoot), false);
    assert.ok(api.sources.get(emulatorRoot.sourceId), 'a built-in source is not closed by the command');
    await vscode.commands.executeCommand('notifications.clearAll');
  });
});
