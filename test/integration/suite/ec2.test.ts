// The EC2 API inside VS Code, with the real EC2 client against the local EC2 endpoint wired to the
// built-in emulator: the "Instance settings (EC2 API)" section, the doctor's finding "IMDSv1
// allowed", Apply… through the two confirmations (clicked in the page by the runner), the
// doctor passing afterwards, and Undo. Screenshots: ec2-instance-settings, ec2-doctor-before,
// ec2-apply-modal, ec2-apply-confirm, ec2-doctor-after.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ChangeOutcome } from '../../../src/aws/ec2/change';
import type { DoctorReport } from '../../../src/doctor';
import type { ExtensionApi } from '../../../src/extension';
import { EMULATOR_SOURCE_ID } from '../../../src/ui/builtinSources';
import type { MetadataNode } from '../../../src/ui/treeNodes';
import { startEc2Endpoint, type Ec2Endpoint } from '../../support/ec2Endpoint';
import { wireEmulator } from '../../support/ec2/wire';
import { instanceRecord } from '../../support/ec2/store';
import { activateExtension, clickDialogButton, screenshot, sleep, typeInPage, waitFor } from '../support';

async function shot(name: string, text?: string): Promise<void> {
  const file = await screenshot(name, { text });
  if (file) await waitFor(() => fs.existsSync(file) && fs.statSync(file).size > 1000, `screenshot ${file}`);
}

function label(api: ExtensionApi, node: MetadataNode): string {
  const item = api.tree.getTreeItem(node);
  return `${typeof item.label === 'string' ? item.label : item.label?.label ?? ''} ${item.description ?? ''}`.trim();
}

describe('EC2 API: instance settings, doctor Apply and Undo', function () {
  this.timeout(120_000);
  let api: ExtensionApi;
  let endpoint: Ec2Endpoint;
  const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  before(async () => {
    api = await activateExtension();
    await waitFor(() => api.emulator, 'the built-in emulator');
    endpoint = await startEc2Endpoint({ applyDelayMs: 800 });
    wireEmulator(endpoint, api.emulator!);
    // The extension host's credential chain takes these (test keys of the local endpoint only).
    process.env.AWS_ACCESS_KEY_ID = endpoint.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = endpoint.credentials.secretAccessKey;
    await vscode.workspace.getConfiguration('imdsExplorer.ec2').update('endpoint', endpoint.url, vscode.ConfigurationTarget.Global);
    api.sources.select(EMULATOR_SOURCE_ID);
    api.tree.refresh();
  });

  after(async () => {
    api.confirmations.modal = true;
    api.emulator?.setImdsv2('optional');
    await vscode.workspace.getConfiguration('imdsExplorer.ec2').update('endpoint', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('imdsExplorer.ssm').update('region', undefined, vscode.ConfigurationTarget.Global);
    for (const [name, value] of [['AWS_ACCESS_KEY_ID', savedEnv.id], ['AWS_SECRET_ACCESS_KEY', savedEnv.secret]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await endpoint.close();
    api.tree.refresh();
  });

  it('shows Instance settings (EC2 API) under the emulated instance: options, State, role association, defaults', async () => {
    const root = api.tree.sourceNode(EMULATOR_SOURCE_ID);
    const section = await waitFor(async () => (await api.tree.getChildren(root)).find((n) => n.kind === 'section'), 'the instance settings section');
    assert.equal(label(api, section), 'Instance settings (EC2 API)');
    const rows = (await api.tree.getChildren(section)).map((n) => label(api, n));
    assert.ok(rows.includes('imds-explorer-demo (i-0123456789abcdef0) running · t3.micro · Linux/UNIX · us-east-1'), rows.join(' | '));
    assert.ok(rows.includes('HttpTokens optional (IMDSv1 allowed)'), rows.join(' | '));
    assert.ok(rows.includes('HttpPutResponseHopLimit 1'));
    assert.ok(rows.includes('State applied'));
    assert.ok(rows.includes('IAM instance profile ImdsExplorerDemoRole · associated'), rows.join(' | '));
    assert.ok(rows.some((r) => r.startsWith('Account defaults (us-east-1) HttpTokens no preference')), rows.join(' | '));
    await vscode.commands.executeCommand('workbench.view.extension.imdsExplorer');
    await api.view.reveal(section, { expand: true, focus: true, select: true });
    await shot('ec2-instance-settings');
  });

  it('the doctor finds IMDSv1 allowed; Apply asks twice, DryRun between; the doctor then passes; Undo puts it back', async function () {
    const before = await vscode.commands.executeCommand<DoctorReport | undefined>('imdsExplorer.diagnose', { sourceId: EMULATOR_SOURCE_ID });
    const tokens = before?.checks.find((c) => c.id === 'ec2-tokens');
    assert.equal(tokens?.status, 'warn');
    assert.deepEqual(tokens?.fix?.after, { httpTokens: 'required' });
    await shot('ec2-doctor-before', 'IMDSv1 is allowed: a GET without a token answers 200'); // the doctor's webview, painted
    if (!process.env.IMDS_SCREENSHOT_URL) this.skip(); // the confirmations need the page runner to click them
    // VS Code refuses modal dialogs under test: the same confirmations come as notifications.
    api.confirmations.modal = false;

    const applying = Promise.resolve(vscode.commands.executeCommand<ChangeOutcome | undefined>('imdsExplorer.ec2.applyFix', tokens!.fix));
    await shot('ec2-apply-modal', 'Change IMDS settings through the EC2 API?');
    assert.equal(endpoint.countOf('ModifyInstanceMetadataOptions'), 0, 'nothing is called before the first confirmation');
    await clickDialogButton('Check with DryRun');
    await waitFor(() => endpoint.countOf('ModifyInstanceMetadataOptions', { dryRun: true }) === 1, 'the DryRun');
    await shot('ec2-apply-confirm', 'DryRun passed: make this change now?');
    assert.equal(endpoint.countOf('ModifyInstanceMetadataOptions', { dryRun: false }), 0, 'nothing changed before the second confirmation');
    await clickDialogButton('Apply Change');
    const outcome = await applying;
    assert.equal(outcome?.status, 'made');
    assert.ok(outcome?.status === 'made' && outcome.record.state === 'applied');
    assert.equal(api.emulator!.imdsv2, 'required');
    assert.ok(api.logLines().some((line) => /EC2: changed \(applied\) Change instance imds-explorer-demo .*HttpTokens: optional → required; undo: HttpTokens: required → optional/.test(line)), 'the change is logged with before and after');

    const after = await vscode.commands.executeCommand<DoctorReport | undefined>('imdsExplorer.diagnose', { sourceId: EMULATOR_SOURCE_ID });
    assert.equal(after?.checks.find((c) => c.id === 'ec2-tokens')?.status, 'pass');
    assert.equal(after?.checks.find((c) => c.id === 'imdsv1')?.status, 'pass');
    await shot('ec2-doctor-after', 'IMDSv2 is required: a GET without a token answers 401');

    const undoing = Promise.resolve(vscode.commands.executeCommand<ChangeOutcome | undefined>('imdsExplorer.ec2.undoLastChange'));
    await clickDialogButton('Check with DryRun');
    await clickDialogButton('Apply Change');
    assert.equal((await undoing)?.status, 'made');
    assert.equal(api.emulator!.imdsv2, 'optional');
  });

  it('Add EC2 Instance…: profile, Region, then the instances by Name, state, type and platform, filtered as you type; the source is named by its Name tag', async function () {
    const region = api.emulator!.facts.region;
    const fleet = [
      { id: 'i-0a1b2c3d4e5f60001', name: 'web-frontend-1', type: 'm7g.large', state: 'running' as const },
      { id: 'i-0a1b2c3d4e5f60002', name: 'batch-worker-7', type: 'c7i.xlarge', state: 'stopped' as const },
      { id: 'i-0a1b2c3d4e5f60003', name: 'build-runner', type: 't3.small', state: 'running' as const, platform: 'windows' as const },
    ];
    for (const i of fleet) endpoint.store.put(instanceRecord({ instanceId: i.id, region, instanceType: i.type, state: i.state, platform: i.platform, tags: { Name: i.name } }));
    // The Region picker offers this one first.
    await vscode.workspace.getConfiguration('imdsExplorer.ssm').update('region', region, vscode.ConfigurationTarget.Global);

    const running = vscode.commands.executeCommand<{ label: string; id: string } | undefined>('imdsExplorer.ec2.addInstance');
    if (!(await typeInPage(''))) this.skip(); // a runner that cannot type (desktop): the pickers need a person
    await screenshot('ec2-add-profile', { text: 'Add EC2 Instance (1/3)' });
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem'); // the default credential chain
    await screenshot('ec2-add-region', { text: 'Add EC2 Instance (2/3)' });
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem'); // the setting's Region, first
    // All instances of the Region, the emulated one included, listed through DescribeInstances.
    await screenshot('ec2-add-instances', { text: 't3.small · Windows' }); // EC2's Platform `windows`, as people read it
    await typeInPage('batch');
    await sleep(300);
    await shot('ec2-add-filtered', 'c7i.xlarge');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const source = await running;
    assert.ok(source, 'a source was added');
    assert.equal(source.label, 'batch-worker-7 (i-0a1b2c3d4e5f60002)');
    assert.ok(api.sources.get(source.id), 'it is among the sources');
    await api.sources.removeSource(source.id);
    api.sources.select(EMULATOR_SOURCE_ID);
  });
});
