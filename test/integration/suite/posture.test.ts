// The IMDS Posture view inside a real VS Code on a 10,000-instance synthetic fleet in 4 Regions
// (the local EC2 and CloudWatch endpoints, the real SDK clients): the view with its counts, one
// instance's chart, search, export, Require IMDSv2 with its confirmation, its result, the account
// default offered with its own confirmation, and the rollback restoring the options. VS Code refuses
// modal dialogs in extension test mode, so the suite turns the shared Confirmations to notifications
// (same text and buttons) and the runner clicks their buttons in the page.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import type { PostureReport } from '../../../src/posture/types';
import type { PostureNode } from '../../../src/ui/postureTree';
import type { EnforceOutcome } from '../../../src/ui/postureEnforce';
import { isolateAwsEnvironment, type IsolatedAws } from '../../support/ssm/fixtures';
import { FLEET_CREDENTIALS, startFleetWorld, type FleetWorld } from '../../support/fleet/world';
import { activateExtension, clickDialogButton, screenshot, waitFor } from '../support';

const TAKE = 'imdsExplorer.posture.take';

describe('IMDS Posture view', function () {
  this.timeout(120_000);
  let api: ExtensionApi;
  let aws: IsolatedAws | undefined;
  let world: FleetWorld | undefined;
  let report: PostureReport;
  const config = () => vscode.workspace.getConfiguration('imdsExplorer');

  before(async function () {
    api = await activateExtension();
    if (!(await vscode.commands.getCommands(true)).includes(TAKE)) this.skip();
    aws = isolateAwsEnvironment();
    world = await startFleetWorld({ instances: 10_000, regions: 4, seed: 1, applyDelayMs: 100 });
    aws.write(`[profile fleet]\nregion = ${world.fleet.regions[0]}\n`, `[fleet]\naws_access_key_id = ${FLEET_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${FLEET_CREDENTIALS.secretAccessKey}\n`);
    await config().update('posture.profile', 'fleet', vscode.ConfigurationTarget.Global);
    await config().update('ec2.endpoint', world.ec2.url, vscode.ConfigurationTarget.Global);
    await config().update('posture.cloudWatchEndpoint', world.cloudWatch.url, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    for (const key of ['posture.profile', 'ec2.endpoint', 'posture.cloudWatchEndpoint']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    await world?.close();
    aws?.restore();
  });

  it('takes the posture of 10,000 instances in 4 Regions and shows Region → class with counts', async () => {
    report = (await vscode.commands.executeCommand(TAKE, { regions: 'all', days: 14 })) as PostureReport;
    assert.ok(report, 'the command returns the report');
    assert.deepEqual(report.regions.map((r) => r.region), [...world!.fleet.regions].sort());
    assert.equal(report.regions.reduce((n, r) => n + r.instances.length, 0), 10_000);
    const needsWork = world!.fleet.instances.filter((i) => i.profile === 'needs-work').length;
    assert.equal(report.regions.reduce((n, r) => n + r.counts['needs-work'], 0), needsWork);
    const tree = api.posture.tree;
    const roots = tree.getChildren();
    assert.equal(roots.filter((n) => n.kind === 'region').length, 4);
    for (const root of roots) {
      for (const cls of tree.getChildren(root)) {
        const level = tree.getChildren(cls);
        assert.ok(level.length <= 250, `a class level holds ${level.length} items`);
      }
    }
    await vscode.commands.executeCommand('workbench.view.extension.imdsExplorer');
    const region = roots.find((n) => n.kind === 'region')!;
    const needsWorkNode: PostureNode = { kind: 'class', region: (region as { region: string }).region, cls: 'needs-work' };
    await api.posture.view.reveal(needsWorkNode, { expand: true, focus: true, select: true });
    assert.match(api.posture.view.message ?? '', /10,000 instances · 14 days/);
    await screenshot('posture-view');
  });

  it('shows one instance\'s daily chart of tokenless calls', async () => {
    const region = report.regions[0].region;
    const top = api.posture.tree.current!.instances(region, 'needs-work')[0];
    const node: PostureNode = { kind: 'instance', region, cls: 'needs-work', instanceId: top.instanceId };
    const shown = await vscode.commands.executeCommand('imdsExplorer.posture.showInstance', node);
    assert.equal((shown as { instanceId: string }).instanceId, top.instanceId);
    assert.ok((top.noToken?.total ?? 0) > 0);
    await api.posture.view.reveal(node, { select: true, focus: false });
    // The panel is a webview: the runner waits until its text is painted.
    await screenshot('posture-chart', { text: 'No tokenless call in the window is evidence, not proof' });
  });

  it('searches by Name and exports what matches as CSV', async () => {
    await vscode.commands.executeCommand('imdsExplorer.posture.search', '-0000');
    const model = api.posture.tree.current!;
    assert.equal(model.totalMatching, 10, 'names …-00000 to …-00009');
    const out = vscode.Uri.file(path.join(mkdtempSync(path.join(tmpdir(), 'posture-export-')), 'posture.csv'));
    await vscode.commands.executeCommand('imdsExplorer.posture.exportCsv', out);
    assert.equal(readFileSync(out.fsPath, 'utf8').trim().split('\n').length, 11);
  });

  it('Require IMDSv2 on the ready instances of the search: modal with count and list, result, account default, rollback', async () => {
    const session = api.posture;
    const model = session.tree.current!;
    const nodes: PostureNode[] = report.regions.filter((r) => model.instances(r.region, 'ready').length > 0).map((r) => ({ kind: 'class', region: r.region, cls: 'ready' }));
    const ready = nodes.flatMap((n) => session.tree.instancesUnder(n));
    assert.ok(ready.length >= 1, 'the search has ready instances');
    const before = new Map(ready.map((i) => [i.instanceId, structuredClone(world!.ec2.store.get(i.region, i.instanceId)!.metadataOptions)]));
    const asked: { message: string; detail: string }[] = [];
    let acceptedDefault: string | undefined;
    /** Answers each question as it comes, by clicking its button, until `work` is done. */
    const answering = async <T>(work: Thenable<T>, answer: (prompt: { message: string; detail: string }) => Promise<string>): Promise<T> => {
      let finished = false;
      let value: T | undefined;
      const done = Promise.resolve(work).then((v) => {
        value = v;
        finished = true;
      });
      let seen: object | undefined;
      await waitFor(async () => {
        const prompt = session.lastPrompt;
        if (prompt && prompt !== seen) {
          seen = prompt;
          asked.push(prompt);
          assert.ok(await clickDialogButton(await answer(prompt)), 'the runner clicks the button');
        }
        return finished;
      }, 'the command to finish', 90_000);
      await done;
      return value as T;
    };
    api.confirmations.modal = false;
    try {
      const outcome = await answering(vscode.commands.executeCommand('imdsExplorer.posture.requireImdsv2', undefined, nodes, { classes: ['ready'] }) as Thenable<EnforceOutcome | undefined>, async (prompt) => {
        if (/^Require IMDSv2 on/.test(prompt.message)) {
          await screenshot('posture-enforce-modal');
          return `Require IMDSv2 on ${ready.length}`;
        }
        const region = /new instances in (\S+)\?/.exec(prompt.message)?.[1];
        if (region && !acceptedDefault) {
          acceptedDefault = region; // the account default: accepted in the first Region asked, declined in the others
          return 'Require for New Instances';
        }
        return 'Cancel';
      });
      assert.ok(outcome, `enforce ended without results: ${session.lastError ?? 'declined'}`);
      const confirmation = asked[0];
      assert.match(confirmation.message, new RegExp(`^Require IMDSv2 on ${ready.length} instances\\?`));
      for (const i of ready) assert.ok(confirmation.detail.includes(i.instanceId), `the list names ${i.instanceId}`);
      assert.match(confirmation.detail, /HttpTokens optional → required.*Every DryRun passed/s);
      assert.equal(outcome.results.length, ready.length);
      assert.ok(outcome.results.every((r) => r.outcome === 'applied'), JSON.stringify(outcome.results));
      await world!.ec2.settled();
      for (const i of ready) assert.equal(world!.ec2.store.get(i.region, i.instanceId)!.metadataOptions.httpTokens, 'required');
      assert.ok(acceptedDefault, 'the account default was offered with its own question');
      assert.equal(world!.ec2.store.defaults(acceptedDefault!).httpTokens, 'required');
      assert.equal(session.tree.current!.instances(ready[0].region, 'ready').some((i) => i.instanceId === ready[0].instanceId), false, 'the view moved it to required');
      await api.posture.view.reveal({ kind: 'region', region: ready[0].region }, { expand: true, select: true });
      await screenshot('posture-enforce-result');

      const restored = await answering(vscode.commands.executeCommand('imdsExplorer.posture.rollback', outcome.rollbackFile) as Thenable<unknown[] | undefined>, async () => 'Restore');
      assert.match(asked.at(-1)!.message, new RegExp(`^Restore the IMDS options of ${ready.length} instances`));
      assert.equal(restored?.length, ready.length);
      await world!.ec2.settled();
      for (const i of ready) assert.deepEqual(world!.ec2.store.get(i.region, i.instanceId)!.metadataOptions, before.get(i.instanceId));
      assert.equal(world!.ec2.store.defaults(acceptedDefault!).httpTokens, undefined, 'the account default is back to no preference');
    } finally {
      api.confirmations.modal = true;
    }
  });
});
