import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, activateExtension } from '../support';

// The fixture workspace's .vscode/settings.json sets imdsExplorer.endpoint to a loopback address
// nobody listens on: a workspace (a cloned repository) must not be able to redirect IMDS requests.
describe('settings a workspace cannot change', () => {
  it('ignores a workspace value for the machine-scoped endpoint settings', async () => {
    await activateExtension();
    const config = vscode.workspace.getConfiguration('imdsExplorer');
    const endpoint = config.inspect<string>('endpoint');
    const mode = config.inspect<string>('endpointMode');
    assert.notEqual(config.get('endpoint'), 'http://127.0.0.77:9', 'the workspace value is not in effect');
    assert.equal(config.get('endpoint'), endpoint?.defaultValue);
    assert.equal(config.get('endpointMode'), mode?.defaultValue);
  });

  it('declares its machine scope and its untrusted-workspace behaviour in the manifest', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const props = pkg.contributes.configuration.properties;
    assert.equal(props['imdsExplorer.endpoint'].scope, 'machine');
    assert.equal(props['imdsExplorer.endpointMode'].scope, 'machine');
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  });
});
