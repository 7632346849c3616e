// "Require IMDSv2" on the posture view's selection, and "Roll Back IMDS Change…". The selection
// gives instances (a Region or class node gives all of its instances); by default only those
// ready to require tokens are kept; instances with tokenless calls need a second, explicit choice.
// Then: a DryRun per instance (cancellable progress), ONE modal with the count and the list, the
// rollback file written, the changes (cancellable progress), a per-instance result document, and
// the account defaults offered in the same flow with their own confirmation.
import * as vscode from 'vscode';
import { settableOptions, type EnforceResult, type EnforceTarget } from '../posture/enforce';
import { entriesToRestore, newRollback, parseRollback, recordResults, restoreChange, restoreDefaultsChange } from '../posture/rollback';
import { CLASS_LABELS, type PostureClass, type PostureInstance } from '../posture/types';
import { describeError, errorLine } from './errorText';
import { loadFleet, type PostureSession } from './postureCommands';
import type { PostureNode } from './postureTree';

export const EnforceCommand = {
  RequireImdsv2: 'imdsExplorer.posture.requireImdsv2',
  Rollback: 'imdsExplorer.posture.rollback',
} as const;

/** Arguments that skip the class choice (tests, automation); the modal confirmation is always shown. */
export interface RequireArgs {
  classes?: PostureClass[];
}

export interface EnforceOutcome {
  results: EnforceResult[];
  rollbackFile?: vscode.Uri;
  dryRunRefused: EnforceResult[];
}

const CHANGEABLE: PostureClass[] = ['ready', 'no-data', 'stopped', 'needs-work'];
const LIST_MAX = 25;

function listText(items: { instanceId: string; region: string; name?: string }[]): string {
  const lines = items.slice(0, LIST_MAX).map((i) => `${i.name ? `${i.name} ` : ''}${i.instanceId} (${i.region})`);
  if (items.length > LIST_MAX) lines.push(vscode.l10n.t('… and {0} more', (items.length - LIST_MAX).toLocaleString('en-US')));
  return lines.join('\n');
}

function selected(session: PostureSession, node: PostureNode | undefined, nodes: PostureNode[] | undefined): PostureInstance[] {
  const picked = nodes?.length ? nodes : node ? [node] : [...session.view.selection];
  const seen = new Map<string, PostureInstance>();
  for (const n of picked) for (const i of session.tree.instancesUnder(n)) seen.set(`${i.region}/${i.instanceId}`, i);
  return [...seen.values()];
}

/** Which classes to change: ready by default; tokenless callers only after a second, explicit choice. */
async function chooseClasses(session: PostureSession, instances: PostureInstance[], args: RequireArgs | undefined): Promise<PostureClass[] | undefined> {
  const present = CHANGEABLE.filter((cls) => instances.some((i) => i.class === cls));
  let classes = args?.classes ?? (present.length <= 1 ? present : undefined);
  if (!classes) {
    const picked = await vscode.window.showQuickPick(
      present.map((cls) => ({ label: CLASS_LABELS[cls], description: `${instances.filter((i) => i.class === cls).length}`, picked: cls === 'ready', cls })),
      { canPickMany: true, title: vscode.l10n.t('Require IMDSv2 on which instances of the selection?') },
    );
    if (!picked) return undefined;
    classes = picked.map((p) => p.cls);
  }
  if (classes.includes('needs-work') && !args?.classes) {
    const count = instances.filter((i) => i.class === 'needs-work').length;
    const include = await session.confirm(
      vscode.l10n.t('{0} selected instances made tokenless IMDS calls in the window.', count),
      vscode.l10n.t('Requiring tokens breaks the software that made those calls (old SDKs, scripts with curl without a token). Fix it first, or include them knowingly.'),
      vscode.l10n.t('Include Them'),
    );
    if (!include) classes = classes.filter((c) => c !== 'needs-work');
  }
  return classes;
}

async function resultDocument(results: EnforceResult[], refused: EnforceResult[], rollback: vscode.Uri | undefined): Promise<void> {
  const line = (r: EnforceResult) => `| ${r.region} | \`${r.instanceId}\` | ${r.name ?? ''} | ${r.outcome} | ${(r.error ?? '').replace(/\|/g, '\\|')} |`;
  const changed = results.filter((r) => r.outcome === 'applied' || r.outcome === 'pending').length;
  const markdown = [
    `# Require IMDSv2: ${changed} of ${results.length} changed`,
    '',
    rollback ? `Rollback file: \`${rollback.fsPath}\` (IMDS: Roll Back IMDS Change…, or \`imds enforce --rollback FILE\`)` : '',
    '',
    '| Region | Instance | Name | Result | Error |',
    '|---|---|---|---|---|',
    ...results.map(line),
    ...refused.map(line),
  ].join('\n');
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown }), { preview: true });
}

async function requireImdsv2(context: vscode.ExtensionContext, session: PostureSession, node?: PostureNode, nodes?: PostureNode[], args?: RequireArgs): Promise<EnforceOutcome | undefined> {
  const instances = selected(session, node, nodes);
  const classes = await chooseClasses(session, instances, args);
  if (!classes?.length) {
    if (instances.length && !instances.some((i) => CHANGEABLE.includes(i.class))) void vscode.window.showInformationMessage(vscode.l10n.t('Nothing to change: the selected instances already require tokens or have IMDS off.'));
    return undefined;
  }
  const chosen = instances.filter((i) => classes.includes(i.class));
  const fleetModule = await loadFleet();
  const fleet = await session.connect();
  try {
    // The options now, not the report's: what the rollback restores, and who is already done.
    const targets: EnforceTarget[] = [];
    for (const region of new Set(chosen.map((i) => i.region))) {
      const ids = chosen.filter((i) => i.region === region);
      const api = await fleet.ec2(region);
      for (let k = 0; k < ids.length; k += 1000) {
        const now = new Map((await api.describeInstances(ids.slice(k, k + 1000).map((i) => i.instanceId))).map((s) => [s.instanceId, s]));
        for (const i of ids.slice(k, k + 1000)) {
          const current = now.get(i.instanceId);
          if (current && current.metadataOptions?.httpTokens !== 'required') targets.push({ instanceId: i.instanceId, region, ...(i.name ? { name: i.name } : {}), class: i.class, before: settableOptions(current.metadataOptions) });
        }
      }
    }
    const dry = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Require IMDSv2: DryRun'), cancellable: true }, (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return fleetModule.dryRunEach((r) => fleet.ec2(r), targets, fleetModule.REQUIRE_TOKENS, {
        signal: controller.signal,
        onResult: (_r, done, total) => progress.report({ message: `${done}/${total}`, increment: 100 / total }),
      });
    });
    const passed = targets.filter((_, i) => dry[i].outcome === 'dry-run-ok');
    const refused = dry.filter((r) => r.outcome !== 'dry-run-ok');
    if (!passed.length) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Require IMDSv2: no instance passed the DryRun. {0}', refused[0]?.error ?? ''));
      return { results: [], dryRunRefused: refused };
    }
    const go = vscode.l10n.t('Require IMDSv2 on {0}', passed.length);
    const detail = [
      vscode.l10n.t('HttpTokens optional → required; other options unchanged. Profile: {0}.', fleet.profile ?? vscode.l10n.t('default credentials')),
      refused.length ? vscode.l10n.t('{0} refused by the DryRun (left out): {1}', refused.length, refused[0].error ?? '') : vscode.l10n.t('Every DryRun passed.'),
      vscode.l10n.t('A rollback file with the options before is saved first.'),
      '',
      listText(passed),
    ].join('\n');
    if (!(await session.confirm(vscode.l10n.t('Require IMDSv2 on {0} instances?', passed.length), detail, go))) return undefined;

    const file = newRollback(passed, fleetModule.REQUIRE_TOKENS, fleet.profile);
    const dir = vscode.Uri.joinPath(context.globalStorageUri, 'rollback');
    await vscode.workspace.fs.createDirectory(dir);
    const rollbackUri = vscode.Uri.joinPath(dir, `imds-rollback-${file.createdAt.replace(/[:.]/g, '-')}.json`);
    const save = () => vscode.workspace.fs.writeFile(rollbackUri, Buffer.from(JSON.stringify(file, null, 1)));
    await save();
    const results = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Require IMDSv2'), cancellable: true }, (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return fleetModule.applyEach((r) => fleet.ec2(r), passed, fleetModule.REQUIRE_TOKENS, {
        signal: controller.signal,
        profile: fleet.profile,
        onResult: (_r, done, total) => progress.report({ message: `${done}/${total}`, increment: 100 / total }),
      });
    });
    recordResults(file, results);
    await save();
    // The view follows: changed instances now require tokens.
    for (const r of results.filter((x) => x.outcome === 'applied' || x.outcome === 'pending')) {
      const instance = session.tree.current?.find(r.region, r.instanceId);
      if (!instance) continue;
      instance.class = 'required';
      instance.evidence = vscode.l10n.t('HttpTokens is required (set by Require IMDSv2 on {0}).', file.createdAt.slice(0, 16).replace('T', ' '));
      if (instance.metadataOptions) instance.metadataOptions.httpTokens = 'required';
    }
    for (const region of session.report?.regions ?? []) {
      region.counts = { required: 0, ready: 0, 'needs-work': 0, disabled: 0, stopped: 0, 'no-data': 0 };
      for (const i of region.instances) region.counts[i.class] += 1;
    }
    session.show(session.report);
    await offerDefaults(session, fleetModule, fleet, [...new Set(passed.map((t) => t.region))], file, save);
    await resultDocument(results, refused, rollbackUri);
    const changed = results.filter((r) => r.outcome === 'applied' || r.outcome === 'pending').length;
    void vscode.window.showInformationMessage(vscode.l10n.t('Require IMDSv2: {0} of {1} changed. Rollback file saved.', changed, results.length), vscode.l10n.t('Roll Back')).then((choice) => {
      if (choice) void vscode.commands.executeCommand(EnforceCommand.Rollback, rollbackUri);
    });
    return { results, rollbackFile: rollbackUri, dryRunRefused: refused };
  } catch (error) {
    session.lastError = errorLine(describeError(error));
    void vscode.window.showErrorMessage(vscode.l10n.t('Require IMDSv2: {0}', session.lastError));
    return undefined;
  } finally {
    fleet.close();
  }
}

/** Account defaults, same flow, own confirmation per Region (DryRun first, inside applyChange). */
async function offerDefaults(
  session: PostureSession,
  fleetModule: Awaited<ReturnType<typeof loadFleet>>,
  fleet: Awaited<ReturnType<PostureSession['connect']>>,
  regions: string[],
  file: ReturnType<typeof newRollback>,
  save: () => Thenable<void>,
): Promise<void> {
  const open = regions.filter((region) => session.report?.regions.find((r) => r.region === region)?.defaults?.httpTokens !== 'required');
  for (const region of open) {
    const go = vscode.l10n.t('Require for New Instances');
    const outcome = await fleetModule.requireTokensByDefault(fleet, region, {
      confirm: async (change) => {
        const message = vscode.l10n.t('Also require IMDSv2 by default for new instances in {0}?', region);
        const detail = vscode.l10n.t('Account default HttpTokens: {0} → required (ModifyInstanceMetadataDefaults; the DryRun passed). Instances launched from now on require tokens unless their launch says otherwise.', String(change.before.httpTokens ?? 'no preference'));
        return session.confirm(message, detail, go);
      },
    });
    if (outcome.status === 'made') {
      file.defaults.push({ region, record: outcome.record, status: 'applied' });
      await save();
    } else if (outcome.status === 'refused') {
      void vscode.window.showWarningMessage(vscode.l10n.t('Account default in {0} not changed: {1}', region, outcome.error.toLine()));
    }
  }
}

async function rollback(session: PostureSession, uri?: vscode.Uri): Promise<EnforceResult[] | undefined> {
  const target = uri ?? (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { [vscode.l10n.t('Rollback file')]: ['json'] }, title: vscode.l10n.t('Roll Back IMDS Change') }))?.[0];
  if (!target) return undefined;
  try {
    const file = parseRollback(Buffer.from(await vscode.workspace.fs.readFile(target)).toString('utf8'));
    const entries = entriesToRestore(file);
    const defaults = file.defaults.filter((d) => d.status === 'applied');
    if (!entries.length && !defaults.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Nothing to roll back: the file records no change still in place.'));
      return [];
    }
    const go = vscode.l10n.t('Restore');
    const message = vscode.l10n.t('Restore the IMDS options of {0} instances as they were on {1}?', entries.length, file.createdAt.slice(0, 16).replace('T', ' '));
    const detail = `${defaults.length ? vscode.l10n.t('Also the account default in {0}.', defaults.map((d) => d.region).join(', ')) + '\n' : ''}\n${listText(entries)}`;
    if (!(await session.confirm(message, detail, go))) return undefined;
    const fleetModule = await loadFleet();
    const { applyChange } = await import('../aws/ec2/index');
    const fleet = await fleetModule.connectFleet({ ...session.connectionOptions, profile: file.profile ?? session.connectionOptions?.profile });
    try {
      const results = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Roll back IMDS change'), cancellable: true }, (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return fleetModule.restoreEach((r) => fleet.ec2(r), entries.map((e) => restoreChange(file, e)), {
          signal: controller.signal,
          onResult: (_r, done, total) => progress.report({ message: `${done}/${total}`, increment: 100 / total }),
        });
      });
      recordResults(file, results, true);
      for (const entry of defaults) {
        const outcome = await applyChange(await fleet.ec2(entry.region), restoreDefaultsChange(entry), { confirm: async () => true });
        if (outcome.status === 'made') entry.status = 'restored';
      }
      await vscode.workspace.fs.writeFile(target, Buffer.from(JSON.stringify(file, null, 1)));
      const restored = results.filter((r) => r.outcome === 'applied' || r.outcome === 'pending').length;
      void vscode.window.showInformationMessage(vscode.l10n.t('Rolled back {0} of {1} instances. Take the posture again to see them.', restored, results.length));
      return results;
    } finally {
      fleet.close();
    }
  } catch (error) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Roll back: {0}', errorLine(describeError(error))));
    return undefined;
  }
}

export function registerEnforceCommands(context: vscode.ExtensionContext, session: PostureSession): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(EnforceCommand.RequireImdsv2, (node?: PostureNode, nodes?: PostureNode[], args?: RequireArgs) => requireImdsv2(context, session, node, Array.isArray(nodes) ? nodes : undefined, args)),
    vscode.commands.registerCommand(EnforceCommand.Rollback, (uri?: vscode.Uri) => rollback(session, uri instanceof vscode.Uri ? uri : undefined)),
  );
}
