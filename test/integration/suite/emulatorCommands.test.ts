// The emulator commands inside a real VS Code: pick a scenario (the tree shows its notice), set the
// IMDSv2 mode, turn IMDS off, and stop and start the in-process emulator.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import { activateExtension, screenshot, waitFor } from '../support';

const Command = {
  Start: 'imdsExplorer.emulator.start',
  Stop: 'imdsExplorer.emulator.stop',
  PickScenario: 'imdsExplorer.emulator.pickScenario',
  SetImdsv2: 'imdsExplorer.emulator.setImdsv2',
} as const;
const EMULATOR_SOURCE_ID = 'builtin:emulator';

describe('emulator commands in VS Code', function () {
  this.timeout(60_000);
  let api: ExtensionApi;

  before(async function () {
    api = await activateExtension();
    if (!(await vscode.commands.getCommands(true)).includes(Command.PickScenario)) {
      // registerEmulatorCommands (src/ui/emulatorCommands.ts) is called from activate(); until then there is nothing to test.
      this.skip();
    }
    if (!api.emulator) await vscode.commands.executeCommand(Command.Start);
    assert.ok(api.emulator, 'the built-in emulator runs');
  });

  after(async () => {
    if (!api?.emulator) await vscode.commands.executeCommand(Command.Start);
    api?.emulator?.setScenario('none');
    api?.emulator?.setEnabled(true);
    api?.emulator?.setImdsv2('optional');
    api?.tree.refresh();
  });

  it('picks a scenario: the tree shows the spot interruption notice', async () => {
    const name = await vscode.commands.executeCommand<string>(Command.PickScenario, 'spot-interruption', { action: 'stop' });
    assert.equal(name, 'spot-interruption');
    assert.equal(JSON.parse(api.emulator!.getValue('/latest/meta-data/spot/instance-action')!.toString()).action, 'stop');
    await vscode.commands.executeCommand('workbench.view.extension.imdsExplorer');
    const node = await waitFor(() => api.tree.findNode(EMULATOR_SOURCE_ID, '/latest/meta-data/spot/instance-action'), 'the spot notice in the tree');
    await api.view.reveal(node, { select: true, focus: false, expand: true });
    await screenshot('emulator-spot-scenario');
    assert.equal(await vscode.commands.executeCommand<string>(Command.PickScenario, 'none'), 'none');
    assert.equal(api.emulator!.getValue('/latest/meta-data/spot/instance-action'), undefined);
  });

  it('sets IMDSv2 required, and the explorer still reads (with a token)', async () => {
    assert.equal(await vscode.commands.executeCommand(Command.SetImdsv2, 'required'), 'required');
    assert.equal(api.emulator!.imdsv2, 'required');
    const before = api.emulator!.stats.tokenPuts;
    api.tree.refresh();
    await waitFor(() => api.tree.findNode(EMULATOR_SOURCE_ID, '/latest/meta-data/instance-id'), 'the tree after IMDSv2 required');
    assert.ok(api.emulator!.stats.tokenPuts >= before);
    assert.equal(await vscode.commands.executeCommand(Command.SetImdsv2, 'optional'), 'optional');
  });

  it('turns IMDS off (403 everywhere) and back on', async () => {
    assert.equal(await vscode.commands.executeCommand(Command.SetImdsv2, 'disabled'), 'disabled');
    assert.equal(api.emulator!.enabled, false);
    assert.equal((await fetch(`${api.emulator!.url}/latest/meta-data/`)).status, 403);
    await vscode.commands.executeCommand(Command.SetImdsv2, 'optional');
    assert.equal((await fetch(`${api.emulator!.url}/latest/meta-data/`)).status, 200);
  });

  it('stops and starts the in-process emulator, with its tree root', async () => {
    const url = api.emulator!.url;
    await vscode.commands.executeCommand(Command.Stop);
    assert.equal(api.emulator, undefined);
    await assert.rejects(fetch(`${url}/latest/meta-data/`), 'the old port no longer answers');
    await waitFor(() => api.sources.get(EMULATOR_SOURCE_ID) === undefined, 'the emulator root goes away');
    await vscode.commands.executeCommand(Command.Start);
    assert.ok(api.emulator, 'running again');
    await waitFor(() => api.sources.get(EMULATOR_SOURCE_ID) !== undefined, 'the emulator root comes back');
    await waitFor(() => api.tree.findNode(EMULATOR_SOURCE_ID, '/latest/meta-data/instance-id'), 'the tree reads the new emulator');
  });
});
