// An SSM source inside a real VS Code: "IMDS: Add SSM Instance…" with the local SSM endpoint (the
// machine-scoped endpoint setting) and a test profile adds a root whose tree is the remote one (the
// endpoint's "instance" runs the script here against an emulator).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
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

describe('SSM source in VS Code', function () {
  this.timeout(60_000);
  let api: ExtensionApi;
  let aws: IsolatedAws | undefined;
  let emulator: Emulator | undefined;
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
    aws?.restore();
  });

  it('adds the instance as a tree root showing the remote tree, read with one Run Command', async () => {
    const sent = endpoint!.countOf('SendCommand');
    added = ((await vscode.commands.executeCommand(ADD_INSTANCE, { instanceId: INSTANCE, region: 'eu-west-1', profile: 'ssm-test', name: 'remote-web-1' })) as MetadataSource[] | undefined) ?? [];
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
    await screenshot('ssm-source');
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
});
